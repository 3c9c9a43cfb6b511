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
  CHECK(int_map_to_json(int_map{{"b", 2}, {"a", 1}}) == R"({"a":1,"b":2})");
  CHECK(int_map_to_json(int_map{}) == "{}");
}

TEST_CASE("an account's activity counts are stored as the same JSON object and read back") {
  const troupe::activity_counts counts{{"stories", 4}, {"follow", 3}, {"reels", 0}};
  const auto text = int_map_to_json(counts);
  CHECK(text == R"({"follow":3,"reels":0,"stories":4})");
  auto read = activity_counts_from_json(text, "accounts.starts_today");
  REQUIRE_OK(read);
  CHECK(*read == counts);
  CHECK(int_map_to_json(troupe::activity_counts{}) == "{}");
  auto refused = activity_counts_from_json(R"({"follow":"3"})", "accounts.starts_today");
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.failure().message, Contains("accounts.starts_today is not a JSON object"));
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
