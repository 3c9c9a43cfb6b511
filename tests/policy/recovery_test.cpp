#include "runtime/policy/recovery.hpp"

#include <catch2/catch.hpp>

using namespace troupe::policy;
using troupe::account_state;
using troupe::config::recovery_config;

TEST_CASE("the reference recovery runs five steps with a doubling backoff from 30 s",
          "[recovery]") {
  const recovery_config reference;
  REQUIRE(recovery_step_count(reference) == 5);
  const std::vector<std::string> names{"homepage", "back", "refresh", "reopen", "restart-profile"};
  const std::vector<std::int64_t> delays{30'000, 60'000, 120'000, 240'000, 480'000};
  for (int i = 0; i < 5; ++i) {
    const auto step = recovery_step_at(reference, i);
    REQUIRE(step);
    CHECK(step->name == names[i]);
    CHECK(step->delay_ms == delays[i]);
  }
  CHECK_FALSE(recovery_step_at(reference, 5));
  CHECK_FALSE(recovery_step_at(reference, -1));
}

TEST_CASE("maxRecoverySteps caps the plan and backoffFactor sets the growth", "[recovery]") {
  recovery_config capped;
  capped.max_recovery_steps = 3;
  capped.backoff_factor = 1.5;
  CHECK(recovery_step_count(capped) == 3);
  CHECK(recovery_step_at(capped, 2)->delay_ms == 67'500);
  CHECK_FALSE(recovery_step_at(capped, 3));
  recovery_config few;
  few.steps = {"refresh"};
  CHECK(recovery_step_count(few) == 1);
}

TEST_CASE("a huge backoff saturates instead of overflowing", "[recovery]") {
  recovery_config absurd;
  absurd.backoff_factor = 1e300;
  CHECK(recovery_step_at(absurd, 4)->delay_ms > 0);
}

TEST_CASE("when every step fails the account is parked until released", "[recovery]") {
  account_state state;
  state.error_streak = 1;
  const auto parked = park_for_recovery(state, 1'000);
  CHECK(parked.needs_recovery);
  CHECK(parked.parked_at_ms == 1'000);
  const auto released = release_from_recovery(parked);
  CHECK_FALSE(released.needs_recovery);
  CHECK(released.parked_at_ms == 0);
  CHECK(released.error_streak == 1);
}

TEST_CASE("a parked account retries recovery once the cool-down has elapsed", "[recovery]") {
  const recovery_config reference;  // cooldown 6 h
  const auto parked = park_for_recovery(account_state{}, 1'000);
  CHECK_FALSE(recovery_cooldown_elapsed(parked, reference, 1'000 + reference.cooldown_ms - 1));
  CHECK(recovery_cooldown_elapsed(parked, reference, 1'000 + reference.cooldown_ms));
  CHECK_FALSE(recovery_cooldown_elapsed(account_state{}, reference, 1'000'000'000));
  recovery_config operator_only;
  operator_only.cooldown_ms = 0;
  CHECK_FALSE(recovery_cooldown_elapsed(parked, operator_only, 1'000'000'000));
}
