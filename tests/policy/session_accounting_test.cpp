#include "runtime/policy/session_accounting.hpp"

#include <catch2/catch.hpp>

#include "policy_fixtures.hpp"

using namespace troupe::policy;
using namespace troupe::policy::testing;
using troupe::account_state;
using troupe::config::troupe_config;

namespace {

session_report report_of(const std::string& activity, session_outcome outcome,
                         std::int64_t end_ms = day_drift_noon()) {
  session_report report;
  report.activity = activity;
  report.end_ms = end_ms;
  report.outcome = outcome;
  return report;
}

account_state ended(const account_state& state, const session_report& report,
                    const troupe::config::mood_config* mood = nullptr) {
  rng random{12};
  return apply_session_end(state, troupe_config{}, mood, report, random);
}

}  // namespace

TEST_CASE("starting a session counts it and remembers when the activity last started",
          "[session]") {
  account_state state;
  state.starts_today["reels"] = 2;
  const auto started = apply_session_start(state, "reels", "s-42", 5'000);
  CHECK(started.running_session == "s-42");
  CHECK(started.starts_today.at("reels") == 3);
  CHECK(started.last_start_at_ms.at("reels") == 5'000);
  const auto again = apply_session_start(started, "stories", "s-43", 9'000);
  CHECK(again.starts_today.at("stories") == 1);
  CHECK(again.last_start_at_ms.at("reels") == 5'000);
}

TEST_CASE("ending a session adds its units, frees the account and advances the targets cursor",
          "[session]") {
  account_state state;
  state.running_session = "s-42";
  state.done_today["follow"] = 10;
  state.targets_cursor = 100;
  auto report = report_of("follow", session_outcome::success);
  report.units_done = 12;
  report.targets_consumed = 15;
  const auto after = ended(state, report);
  CHECK(after.running_session.empty());
  CHECK(after.done_today.at("follow") == 22);
  CHECK(after.targets_cursor == 115);
  CHECK(after.last_session_end_ms == report.end_ms);
}

TEST_CASE("energy drops by perSession per session and never below 0", "[session]") {
  account_state state;
  state.energy = 1.0;
  const auto once = ended(state, report_of("reels", session_outcome::success));
  CHECK(once.energy == Approx(0.88));
  state.energy = 0.05;
  CHECK(ended(state, report_of("reels", session_outcome::hard_error)).energy == 0.0);
}

TEST_CASE("after a session the account idles U(15, 60) min x mood.idle", "[session]") {
  const troupe_config config;
  const auto* morning = mood_at(config.moods, 8 * 60);  // idle 0.8
  account_state state;
  rng random{13};
  for (int i = 0; i < 2'000; ++i) {
    const auto report = report_of("reels", session_outcome::success);
    const auto after = apply_session_end(state, config, morning, report, random);
    REQUIRE(after.next_eligible_at_ms >= report.end_ms + 12 * minute_ms);
    REQUIRE(after.next_eligible_at_ms <= report.end_ms + 48 * minute_ms);
  }
}

TEST_CASE("the error streak resets on success and grows on every failure but noTargets",
          "[session]") {
  account_state state;
  state.error_streak = 3;
  CHECK(ended(state, report_of("reels", session_outcome::success)).error_streak == 0);
  CHECK(ended(state, report_of("reels", session_outcome::transient)).error_streak == 4);
  CHECK(ended(state, report_of("reels", session_outcome::auth_required)).error_streak == 4);
  CHECK(ended(state, report_of("reels", session_outcome::hard_error)).error_streak == 4);
  CHECK(ended(state, report_of("reels", session_outcome::timeout)).error_streak == 4);
  CHECK(ended(state, report_of("follow", session_outcome::no_targets)).error_streak == 3);
}

TEST_CASE("auth required parks the account while other outcomes leave parking to recovery",
          "[session]") {
  const account_state state;
  const auto report = report_of("reels", session_outcome::auth_required);
  const auto parked = ended(state, report);
  CHECK(parked.needs_recovery);
  CHECK(parked.parked_at_ms == report.end_ms);
  CHECK_FALSE(ended(state, report_of("reels", session_outcome::hard_error)).needs_recovery);
  CHECK_FALSE(ended(state, report_of("reels", session_outcome::timeout)).needs_recovery);
}
