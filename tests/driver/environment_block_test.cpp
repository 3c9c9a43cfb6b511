#include "runtime/driver/environment_block.hpp"

#include <catch2/catch.hpp>
#include <cstring>

using namespace troupe::driver;

namespace {

std::vector<std::string> entries_of(const environment_block& block) {
  std::vector<std::string> entries;
  for (auto entry = block.envp(); *entry != nullptr; ++entry) entries.emplace_back(*entry);
  return entries;
}

using environment = std::map<std::string, std::string>;

}  // namespace

TEST_CASE("an environment block holds each variable as NAME=value and names them in order") {
  const auto block = environment_block::make({{"PATH", "/bin"}, {"API_TOKEN", "a=b"}});
  REQUIRE(block.ok());
  CHECK(entries_of(**block) == std::vector<std::string>{"API_TOKEN=a=b", "PATH=/bin"});
  CHECK((*block)->names() == std::vector<std::string>{"API_TOKEN", "PATH"});
}

TEST_CASE("an environment block refuses a name with '=' or a value with a NUL byte") {
  CHECK_THAT(environment_block::make({{"A=B", "c"}}).failure().message, Catch::Contains("'A=B'"));
  CHECK_FALSE(environment_block::make({{"A", std::string("x\0y", 3)}}).ok());
}

TEST_CASE("a prepared environment is reused for the same inputs and rebuilt when they change") {
  const auto daemon = std::make_shared<const environment>(
      environment{{"PATH", "/usr/bin"}, {"API_TOKEN", "t-1"}, {"OTHER", "x"}});
  const auto first = prepared_environment(daemon, {"API_TOKEN"}, {{"MODE", "a"}});
  const auto again = prepared_environment(daemon, {"API_TOKEN"}, {{"MODE", "a"}});
  REQUIRE(first.ok());
  REQUIRE(again.ok());
  CHECK(*first == *again);
  CHECK(entries_of(**first) ==
        std::vector<std::string>{"API_TOKEN=t-1", "MODE=a", "PATH=/usr/bin"});

  const auto other_extra = prepared_environment(daemon, {"API_TOKEN"}, {{"MODE", "b"}});
  CHECK(*other_extra != *first);
  CHECK(entries_of(**other_extra) ==
        std::vector<std::string>{"API_TOKEN=t-1", "MODE=b", "PATH=/usr/bin"});
  const auto no_secret = prepared_environment(daemon, {}, {{"MODE", "b"}});
  CHECK(entries_of(**no_secret) == std::vector<std::string>{"MODE=b", "PATH=/usr/bin"});

  // Another daemon environment with the same content is another source.
  const auto copy = std::make_shared<const environment>(*daemon);
  const auto from_copy = prepared_environment(copy, {}, {{"MODE", "b"}});
  CHECK(*from_copy != *no_secret);
}
