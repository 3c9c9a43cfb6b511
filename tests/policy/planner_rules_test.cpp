// The planner's checks and their order (see runtime/policy/planner.hpp).
#include <catch2/catch.hpp>

#include "policy_fixtures.hpp"
#include "runtime/policy/planner.hpp"

using namespace troupe::policy;
using namespace troupe::policy::testing;
using troupe::account_state;
using troupe::config::troupe_config;

namespace {

std::string outcome(const account_state& state, const troupe_config& config,
                    const plan_context& context) {
  rng random{1};
  const auto decision = plan_session(state, config, context, random);
  return decision.goes() ? "go" : std::string(to_string(decision.reason()));
}

// An account that trips every account-level check at once.
account_state troubled_account(const plan_context& context) {
  account_state state = rested_account(context);
  state.needs_recovery = true;
  state.running_session = "s-1";
  state.next_eligible_at_ms = context.now_ms + hour_ms;
  state.energy = 0.0;
  return state;
}

}  // namespace

TEST_CASE("skip reasons have their recorded names", "[planner]") {
  CHECK(to_string(skip_reason::sleep_window) == "sleepWindow");
  CHECK(to_string(skip_reason::not_eligible) == "notEligible");
  CHECK(to_string(skip_reason::no_targets) == "noTargets");
  CHECK(to_string(skip_reason::unfollow_not_due) == "unfollowNotDue");
  CHECK(to_string(skip_reason::stories_too_soon) == "storiesTooSoon");
  CHECK(to_string(skip_reason::burst_denied) == "burstDenied");
  CHECK(to_string(skip_reason::energy_low) == "energyLow");
  CHECK(to_string(skip_reason::needs_recovery) == "needsRecovery");
  CHECK(to_string(skip_reason::paused) == "paused");
  CHECK(to_string(skip_reason::activity_removed) == "activityRemoved");
}

TEST_CASE("a rested, eligible account in a waking mood goes", "[planner]") {
  const troupe_config config;
  const auto context = context_at(config, day_drift_noon());
  CHECK(outcome(rested_account(context), config, context) == "go");
}

TEST_CASE("a paused node plans nothing, whatever else holds", "[planner]") {
  const troupe_config config;
  auto context = context_at(config, sleep_night());
  context.paused = true;
  CHECK(outcome(troubled_account(context), config, context) == "paused");
  CHECK(outcome(rested_account(context), config, context) == "paused");
}

TEST_CASE("a parked account skips with needsRecovery before any other account check", "[planner]") {
  const troupe_config config;
  const auto context = context_at(config, sleep_night());
  CHECK(outcome(troubled_account(context), config, context) == "needsRecovery");
}

TEST_CASE("an account with a running session is not eligible, even in the sleep window",
          "[planner]") {
  const troupe_config config;
  const auto context = context_at(config, sleep_night());
  auto state = troubled_account(context);
  state.needs_recovery = false;
  CHECK(outcome(state, config, context) == "notEligible");
}

TEST_CASE("no session starts in a sleep mood, even for an eligible, rested account", "[planner]") {
  const troupe_config config;
  const auto context = context_at(config, sleep_night());
  CHECK(outcome(rested_account(context), config, context) == "sleepWindow");
  auto state = troubled_account(context);
  state.needs_recovery = false;
  state.running_session.clear();
  CHECK(outcome(state, config, context) == "sleepWindow");
  // 07:15 is in the Sleep/MorningRush overlap.
  const auto overlap = context_at(config, utc_ms(2024, 5, 15, 7, 15));
  CHECK(outcome(rested_account(overlap), config, overlap) == "sleepWindow");
}

TEST_CASE("idle spacing makes an account not eligible until next_eligible_at, energy aside",
          "[planner]") {
  const troupe_config config;
  const auto context = context_at(config, day_drift_noon());
  auto state = rested_account(context);
  state.next_eligible_at_ms = context.now_ms + 1;
  state.energy = 0.0;
  CHECK(outcome(state, config, context) == "notEligible");
  state.energy = 1.0;
  CHECK(outcome(state, config, context) == "notEligible");
  state.next_eligible_at_ms = context.now_ms;
  CHECK(outcome(state, config, context) == "go");
}

TEST_CASE("an account below the energy floor skips with energyLow, at the floor it goes",
          "[planner]") {
  troupe_config config;
  config.energy.floor = 0.25;
  const auto context = context_at(config, day_drift_noon());
  auto state = rested_account(context);
  state.energy = 0.24;
  CHECK(outcome(state, config, context) == "energyLow");
  state.energy = 0.25;
  CHECK(outcome(state, config, context) == "go");
}

TEST_CASE("with the reference energy an account runs 8 sessions a day, then energyLow",
          "[planner]") {
  const troupe_config config;  // start 1, perSession 0.12, floor 0.15
  const auto context = context_at(config, day_drift_noon());
  auto state = rested_account(context);
  for (int session = 1; session <= 8; ++session) {
    INFO("session " << session);
    REQUIRE(outcome(state, config, context) == "go");
    state.energy -= config.energy.per_session;
  }
  CHECK(outcome(state, config, context) == "energyLow");
}

TEST_CASE("a state from an earlier local day is planned with the day's energy restored",
          "[planner]") {
  const troupe_config config;
  const auto context = context_at(config, day_drift_noon());
  auto state = rested_account(context);
  state.day = "2024-05-14";
  state.energy = 0.0;
  CHECK(outcome(state, config, context) == "go");
}

