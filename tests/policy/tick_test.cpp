#include "runtime/policy/tick.hpp"

#include <catch2/catch.hpp>

#include "policy_fixtures.hpp"

using namespace troupe::policy;
using namespace troupe::policy::testing;

namespace {
constexpr std::int64_t tick = 120'000;
}

TEST_CASE("a pod with an account already eligible ticks at the next grid point", "[tick]") {
  CHECK(next_pod_tick_ms(1'000, tick, 0, 0) == 120'000);
  CHECK(next_pod_tick_ms(240'000, tick, 240'000, 240'000) == 360'000);
}

TEST_CASE("a pod sleeps until the first grid point at or after the earliest eligibility",
          "[tick]") {
  CHECK(next_pod_tick_ms(1'000, tick, 500'000, 1'000) == 600'000);
  CHECK(next_pod_tick_ms(1'000, tick, 600'000, 1'000) == 600'000);
  CHECK(next_pod_tick_ms(1'000, tick, 600'001, 1'000) == 720'000);
}

TEST_CASE("a sleeping pod ticks first at the grid point where sleep ends", "[tick]") {
  CHECK(next_pod_tick_ms(1'000, tick, 0, 1'000'000) == 1'080'000);
  CHECK(next_pod_tick_ms(1'000, tick, 2'000'000, 1'000'000) == 2'040'000);
}

TEST_CASE("nothing to wait for means no tick at all", "[tick]") {
  CHECK(next_pod_tick_ms(1'000, tick, never_ms, 0) == never_ms);
  CHECK(next_pod_tick_ms(1'000, tick, 0, never_ms) == never_ms);
}

TEST_CASE("an account's eligibility is next_eligible_at, unless it cannot run at all", "[tick]") {
  const troupe::config::troupe_config config;
  const auto clock = read_local_clock(utc_zone(), day_drift_noon());
  troupe::account_state state;
  state.day = clock.day;
  state.next_eligible_at_ms = day_drift_noon() + hour_ms;
  CHECK(account_eligible_from_ms(state, config, clock) == day_drift_noon() + hour_ms);

  state.energy = 0.1;  // below the floor until the day ends
  CHECK(account_eligible_from_ms(state, config, clock) == clock.next_local_midnight_ms);
  state.day = "2024-05-14";  // a new day restores energy
  CHECK(account_eligible_from_ms(state, config, clock) == day_drift_noon() + hour_ms);

  state.running_session = "s-1";
  CHECK(account_eligible_from_ms(state, config, clock) == never_ms);
  state.running_session.clear();
  state.needs_recovery = true;
  CHECK(account_eligible_from_ms(state, config, clock) == never_ms);
}
