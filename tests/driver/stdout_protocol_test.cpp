#include "runtime/driver/stdout_protocol.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using troupe::driver::stdout_protocol;

namespace {

struct protocol_under_test {
  std::vector<std::string> progress;
  stdout_protocol protocol;
  explicit protocol_under_test(std::size_t budget = 1 << 20)
      : protocol(budget, [this](const std::string& line) { progress.push_back(line); }) {}
};

} // namespace

TEST_CASE("progress lines reach the callback as they come and the last result is kept") {
  protocol_under_test reader;
  reader.protocol.consume("{\"event\":\"progress\",\"done\":1}\n{\"result\":{\"count\":1}}\n");
  CHECK(reader.progress == std::vector<std::string>{"{\"event\":\"progress\",\"done\":1}"});
  reader.protocol.consume("{\"event\":\"progress\",\"done\":2}\n{\"result\":{\"count\":2}}\n");
  reader.protocol.finish();
  CHECK(reader.progress.size() == 2);
  CHECK(reader.protocol.progress_lines() == 2);
  REQUIRE(reader.protocol.result_json());
  CHECK(*reader.protocol.result_json() == "{\"count\":2}");
  CHECK(reader.protocol.malformed_lines() == 0);
}

TEST_CASE("a line split across chunks is read whole, CRLF and blank lines are accepted") {
  protocol_under_test reader;
  reader.protocol.consume("{\"event\":\"prog");
  reader.protocol.consume("ress\"}\r\n\n   \n{\"res");
  CHECK(reader.progress == std::vector<std::string>{"{\"event\":\"progress\"}"});
  reader.protocol.consume("ult\":{}}\n");
  CHECK(reader.protocol.result_json() == std::optional<std::string>("{}"));
  CHECK(reader.protocol.malformed_lines() == 0);
}

TEST_CASE("a last line without a newline is read at the end of the output") {
  protocol_under_test reader;
  reader.protocol.consume("{\"result\":{\"count\":5}}");
  CHECK_FALSE(reader.protocol.result_json());
  reader.protocol.finish();
  CHECK(reader.protocol.result_json() == std::optional<std::string>("{\"count\":5}"));
}

TEST_CASE("lines that are neither a progress event nor a result are counted as malformed") {
  protocol_under_test reader;
  reader.protocol.consume(
      "not json\n{\"event\":\"progress\"\n[1]\n{\"event\":\"other\"}\n"
      "{\"result\":3}\n\"text\"\n");
  reader.protocol.finish();
  CHECK(reader.protocol.malformed_lines() == 6);
  CHECK(reader.progress.empty());
  CHECK_FALSE(reader.protocol.result_json());
}

TEST_CASE("stdout past the capture budget is counted but neither held nor interpreted") {
  protocol_under_test reader(64);
  const std::string line = "{\"event\":\"progress\",\"pad\":\"xxxxxxxxxx\"}\n";  // 41 bytes
  reader.protocol.consume(line);
  reader.protocol.consume(line);  // would pass 64
  reader.protocol.consume("{\"result\":{}}\n");
  reader.protocol.finish();
  CHECK(reader.protocol.progress_lines() == 1);
  CHECK(reader.protocol.captured_bytes() == line.size());
  CHECK(reader.protocol.total_bytes() == 2 * line.size() + 14);
  CHECK(reader.protocol.truncated());
  CHECK_FALSE(reader.protocol.result_json());
}

TEST_CASE("an endless line without a newline stops capturing at the budget") {
  protocol_under_test reader(1000);
  for (int i = 0; i < 100; ++i) reader.protocol.consume(std::string(100, 'x'));
  CHECK(reader.protocol.truncated());
  CHECK(reader.protocol.captured_bytes() == 0);
  CHECK(reader.protocol.total_bytes() == 10000);
}
