#include "runtime/activity_counts.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <catch2/catch.hpp>
#include <stdexcept>

#include "messages/store.hpp"

using troupe::activity_counts;
using troupe::interned_name;

namespace {

std::vector<std::string> names_of(const activity_counts& counts) {
  std::vector<std::string> names;
  for (const auto& entry : counts) names.push_back(entry.first.str());
  return names;
}

}  // namespace

TEST_CASE("activity counts keep their names in order, whatever order they came in") {
  activity_counts counts;
  counts["stories"] += 1;
  counts["follow"] = 40;
  counts["reels"] += 2;
  counts["follow"] += 2;
  CHECK(names_of(counts) == std::vector<std::string>{"follow", "reels", "stories"});
  CHECK(counts.at("follow") == 42);
  CHECK(counts.at("reels") == 2);
  CHECK(counts.size() == 3);
}

TEST_CASE("a name without a count is not found, and reading it does not add it") {
  const activity_counts counts{{"follow", 3}};
  CHECK(counts.find("unfollow") == counts.end());
  CHECK_THROWS_AS(counts.at("unfollow"), std::out_of_range);
  CHECK(counts.find("follow")->second == 3);
  CHECK(counts.size() == 1);
}

TEST_CASE("clearing the counts leaves none, and new counts start from zero") {
  activity_counts counts{{"follow", 3}, {"reels", 1}};
  counts.clear();
  CHECK(counts.empty());
  CHECK(counts["follow"] == 0);
}

TEST_CASE("counts are equal when they hold the same names with the same values") {
  const activity_counts counts{{"follow", 3}, {"reels", 1}};
  CHECK(counts == activity_counts{{"reels", 1}, {"follow", 3}});
  CHECK(counts != activity_counts{{"follow", 3}, {"reels", 2}});
  CHECK(counts != activity_counts{{"follow", 3}});
}

TEST_CASE("a name is stored once for the process, however many accounts count it") {
  const std::string built = std::string("fol") + "low";
  const interned_name first("follow");
  const interned_name second(built);
  CHECK(first == second);
  CHECK(&first.str() == &second.str());
  CHECK(interned_name("follows") != first);
  // What an account pays for each name it counts: a pointer and the value.
  CHECK(sizeof(activity_counts::value_type) == 2 * sizeof(std::int64_t));
}

TEST_CASE("activity counts survive CAF's serialization, names and values") {
  caf::actor_system_config config;
  caf::actor_system system{config};
  troupe::account_state sent;
  sent.account_id = "profile-a1";
  sent.starts_today = {{"follow", 2}, {"reels", 1}};
  sent.done_today = {{"follow", 57}};
  sent.last_start_at_ms = {{"follow", 1'741'940'000'000}};
  std::vector<char> buffer;
  caf::binary_serializer sink{system, buffer};
  REQUIRE_FALSE(sink(sent));
  troupe::account_state received;
  received.starts_today = {{"stale", 9}};
  caf::binary_deserializer source{system, buffer};
  REQUIRE_FALSE(source(received));
  CHECK(received.account_id == "profile-a1");
  CHECK(received.starts_today == sent.starts_today);
  CHECK(received.done_today == sent.done_today);
  CHECK(received.last_start_at_ms == sent.last_start_at_ms);
  CHECK_THAT(caf::deep_to_string(sent.done_today), Catch::Matchers::Contains("follow"));
}
