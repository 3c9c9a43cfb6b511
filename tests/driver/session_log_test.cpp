#include "runtime/driver/session_log.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "driver_fixture.hpp"

using namespace troupe::driver;
using troupe::driver::testing::read_file;
using troupe::driver::testing::scratch_dir;

TEST_CASE("driver output is logged line by line with its stream, notes on lines of their own") {
  scratch_dir dir;
  const auto path = dir.file("logs/s-1.log");
  {
    auto log = session_log::open(path, 1 << 20);
    REQUIRE(log.ok());
    log->note("run: driver");
    log->append(output_stream::standard_output, "one\ntw");
    log->append(output_stream::standard_output, "o\n");
    log->append(output_stream::standard_error, "warn\n");
    log->note("ended");
  }
  CHECK(read_file(path) ==
        "[troupe] run: driver\n[stdout] one\n[stdout] two\n[stderr] warn\n[troupe] ended\n");
}

TEST_CASE("a line cut short by the other stream or a note is ended before the next line") {
  scratch_dir dir;
  const auto path = dir.file("s.log");
  {
    auto log = session_log::open(path, 1 << 20);
    REQUIRE(log.ok());
    log->append(output_stream::standard_output, "partial");
    log->append(output_stream::standard_error, "error line\n");
    log->append(output_stream::standard_output, " rest\nmore");
    log->note("timeout");
  }
  CHECK(read_file(path) ==
        "[stdout] partial\n[stderr] error line\n[stdout]  rest\n[stdout] more\n"
        "[troupe] timeout\n");
}

TEST_CASE("the log is appended to, so the steps of one session share it") {
  scratch_dir dir;
  const auto path = dir.file("s.log");
  for (const char* step : {"homepage", "refresh"}) {
    auto log = session_log::open(path, 1 << 20);
    REQUIRE(log.ok());
    log->note(step);
  }
  CHECK(read_file(path) == "[troupe] homepage\n[troupe] refresh\n");
}

TEST_CASE("output past the log's cap is discarded and the cap is noted once") {
  scratch_dir dir;
  const auto path = dir.file("s.log");
  {
    auto log = session_log::open(path, 40);
    REQUIRE(log.ok());
    log->append(output_stream::standard_output, "0123456789\n");  // 20 bytes with the prefix
    CHECK_FALSE(log->capped());
    log->append(output_stream::standard_output, "abcdefghijklmnopqrstuvwxyz\n");
    CHECK(log->capped());
    log->append(output_stream::standard_error, "dropped\n");
    log->note("ended");
  }
  CHECK(read_file(path) ==
        "[stdout] 0123456789\n[stdout] abcdefghijk\n"
        "[troupe] output cap of 40 bytes reached; the rest is discarded\n"
        "[troupe] ended\n");
}

TEST_CASE("a log that cannot be opened is an error naming the file") {
  scratch_dir dir;
  std::ofstream(dir.file("not-a-directory")) << "x";
  const auto log = session_log::open(dir.file("not-a-directory/s.log"), 100);
  REQUIRE_FALSE(log.ok());
  CHECK_THAT(log.failure().message, Catch::Contains("not-a-directory/s.log"));
}

TEST_CASE("a failed log write is reported, not thrown") {
  auto log = session_log::open("/dev/full", 1 << 20);
  REQUIRE(log.ok());
  log->note("run");
  CHECK_THAT(log->write_error(), Catch::Contains("No space left on device"));
}

TEST_CASE("an empty log path gives a log that writes nothing") {
  auto log = session_log::open("", 100);
  REQUIRE(log.ok());
  log->note("run");
  log->append(output_stream::standard_output, "line\n");
  CHECK(log->write_error().empty());
  CHECK_FALSE(log->capped());
}
