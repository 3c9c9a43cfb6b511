#include "runtime/store/json_int_map.hpp"

#include <cstdint>
#include <limits>

#include "tests/store/scratch_database.hpp"

using namespace troupe::store;
using Catch::Matchers::Contains;

TEST_CASE("an integer map is stored as a JSON object and reads back the same") {
  const int_map counts{{"follow", 3},
                       {"reels", 0},
                       {"stories", -2},
                       {"largest", std::numeric_limits<std::int64_t>::max()},
                       {"smallest", std::numeric_limits<std::int64_t>::min()}};
  const auto text = int_map_to_json(counts);
  auto read = int_map_from_json(text, "counts");
  REQUIRE_OK(read);
  CHECK(*read == counts);
  CHECK(int_map_to_json({{"b", 2}, {"a", 1}}) == R"({"a":1,"b":2})");
  CHECK(int_map_to_json({}) == "{}");
}

TEST_CASE("anything but a JSON object of integers is refused, naming the column") {
  for (const char* text : {"", "[1,2]", "3", R"({"follow":1.5})", R"({"follow":"3"})",
                           R"({"follow":18446744073709551615})", R"({"follow":null})", "{"}) {
    CAPTURE(text);
    auto read = int_map_from_json(text, "accounts.done_today");
    REQUIRE_FALSE(read.ok());
    CHECK_THAT(read.failure().message, Contains("accounts.done_today is not a JSON object"));
  }
}
