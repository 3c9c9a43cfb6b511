#include "runtime/policy/daily.hpp"

#include <catch2/catch.hpp>

#include "policy_fixtures.hpp"

using namespace troupe::policy;
using namespace troupe::policy::testing;

namespace {

troupe::account_state busy_account(const std::string& day) {
  troupe::account_state state;
  state.account_id = "profile-a1";
  state.day = day;
  state.energy = 0.28;
  state.starts_today = {{"follow", 3}, {"reels", 2}};
  state.done_today = {{"follow", 41}};
  state.next_eligible_at_ms = 1'000;
  state.last_start_at_ms = {{"stories", 900}};
  state.targets_cursor = 120;
  state.error_streak = 2;
  return state;
}

}  // namespace

TEST_CASE("the counters reset at the pod's local midnight, not at UTC midnight", "[daily]") {
  const troupe::config::energy_config energy;
  // 23:59 and 00:00 in Berlin (CET) are 22:59 and 23:00 UTC on the same UTC date.
  const auto before = read_local_clock(berlin_zone(), utc_ms(2024, 1, 10, 22, 59));
  const auto after = read_local_clock(berlin_zone(), utc_ms(2024, 1, 10, 23, 0));
  const auto state = busy_account(before.day);

  const auto same_day = apply_daily_reset(state, before.day, energy);
  CHECK(same_day.starts_today == state.starts_today);
  CHECK(same_day.energy == state.energy);

  const auto next_day = apply_daily_reset(state, after.day, energy);
  CHECK(next_day.day == "2024-01-11");
  CHECK(next_day.starts_today.empty());
  CHECK(next_day.done_today.empty());
  CHECK(next_day.energy == energy.start);
}

TEST_CASE("a reset keeps what is not a daily counter", "[daily]") {
  const auto state = busy_account("2024-01-10");
  const auto reset = apply_daily_reset(state, "2024-01-11", troupe::config::energy_config{});
  CHECK(reset.next_eligible_at_ms == state.next_eligible_at_ms);
  CHECK(reset.last_start_at_ms == state.last_start_at_ms);
  CHECK(reset.targets_cursor == state.targets_cursor);
  CHECK(reset.error_streak == state.error_streak);
  CHECK(reset.account_id == state.account_id);
}

TEST_CASE("across DST the reset follows the local midnight of 23- and 25-hour days", "[daily]") {
  const troupe::config::energy_config energy;
  // Spring forward: 2024-03-31 ends at 22:00 UTC; fall back: 2024-10-27 ends at 23:00 UTC.
  const auto march_end = read_local_clock(berlin_zone(), utc_ms(2024, 3, 31, 21, 59));
  const auto april = read_local_clock(berlin_zone(), utc_ms(2024, 3, 31, 22, 0));
  const auto state = busy_account(march_end.day);
  CHECK(march_end.day == "2024-03-31");
  CHECK_FALSE(needs_daily_reset(state, march_end.day));
  CHECK(needs_daily_reset(state, april.day));

  const auto october_late = read_local_clock(berlin_zone(), utc_ms(2024, 10, 27, 22, 59));
  const auto october_next = read_local_clock(berlin_zone(), utc_ms(2024, 10, 27, 23, 0));
  const auto autumn = busy_account("2024-10-27");
  CHECK_FALSE(needs_daily_reset(autumn, october_late.day));
  CHECK(apply_daily_reset(autumn, october_next.day, energy).energy == energy.start);
}

TEST_CASE("an account that has never run starts its first day rested", "[daily]") {
  troupe::account_state fresh;
  fresh.energy = 0;
  const auto reset = apply_daily_reset(fresh, "2024-05-15", troupe::config::energy_config{});
  CHECK(reset.day == "2024-05-15");
  CHECK(reset.energy == 1.0);
}
