// An operator's session request (RUN_SESSION) is always answered: with its
// session's end, or with a refusal at once when it cannot run now. And what
// the account tells about itself counts its sessions.
#include <catch2/catch.hpp>

#include <algorithm>

#include "tests/actors/actor_fixture.hpp"

using namespace std::chrono_literals;
using troupe::testing::actor_fixture;
using troupe::testing::config_with_pods;

namespace {

constexpr std::int64_t hour_ms = 3'600'000;

void check_refused(const std::vector<troupe::msg::session_finished>& answers, const std::string& code) {
  REQUIRE(answers.size() == 1);
  CHECK(answers.front().outcome == "refused");
  CHECK(answers.front().refusal == code);
  CHECK(answers.front().session_id.empty());
  CHECK_FALSE(answers.front().error.empty());
}

}  // namespace

TEST_CASE_METHOD(actor_fixture, "a session request in the Sleep window is refused at once with sleep_window") {
  start_ms -= 5 * hour_ms;  // 03:00 UTC: Sleep in the reference moods
  start(config_with_pods(1, 1));
  auto answers = ask_session("pod1-a1", "reels");
  sched.run();  // no virtual time passes
  check_refused(*answers, "sleep_window");
  CHECK(events_of("start").empty());
}

TEST_CASE_METHOD(actor_fixture, "a session request while the runner is paused is refused at once with paused") {
  start(config_with_pods(1, 1));
  caf::anon_send(supervisor, troupe::msg::pause_atom::value);
  sched.run();
  auto answers = ask_session("pod1-a1", "reels");
  sched.run();
  check_refused(*answers, "paused");
}

TEST_CASE_METHOD(actor_fixture, "a session request for a parked account is refused at once with needs_recovery") {
  auto config = config_with_pods(1, 1);
  config->recovery.cooldown_ms = 0;
  troupe::session_model_settings model;
  model.p_hard = 1.0;
  model.p_recovery_fails = 1.0;
  start(config, model);
  for (int step = 0; step < 96 && !log->accounts["pod1-a1"].needs_recovery; ++step) run_for(15min);
  REQUIRE(log->accounts["pod1-a1"].needs_recovery);
  auto answers = ask_session("pod1-a1", "reels");
  sched.run();
  check_refused(*answers, "needs_recovery");
}

TEST_CASE_METHOD(actor_fixture, "a session request for an unknown activity or account is refused at once") {
  start(config_with_pods(1, 1));
  auto unknown_activity = ask_session("pod1-a1", "dancing");
  auto unknown_account = ask_session("nobody", "reels");
  sched.run();
  check_refused(*unknown_activity, "unknown_activity");
  check_refused(*unknown_account, "not_here");
}

TEST_CASE_METHOD(actor_fixture, "a requested session whose permit comes after Sleep began is refused with sleep_window") {
  start_ms -= 7 * hour_ms + 60'000;  // 00:59 UTC: LateNightLurk, Sleep begins at 01:00
  auto config = config_with_pods(1, 1);
  start(config);
  auto answers = ask_session("pod1-a1", "reels");
  sched.try_run_once();  // the requester sends the request
  caf::anon_send(supervisor, troupe::msg::pause_atom::value);  // after the request: its permit waits
  sched.run();
  CHECK(answers->empty());
  CHECK(supervisor_state().permits.waiting() == 1);
  run_for(3min);  // 01:02: asleep
  CHECK(answers->empty());
  caf::anon_send(supervisor, troupe::msg::resume_atom::value);
  sched.run();
  check_refused(*answers, "sleep_window");
  CHECK(events_of("start").empty());
  CHECK(supervisor_state().permits.in_use() == 0);  // the permit went back unused
}

TEST_CASE_METHOD(actor_fixture, "an account counts the sessions it started today") {
  auto config = config_with_pods(1, 1);
  config->idle.base_min_ms = config->idle.base_max_ms = 20 * 60'000;
  start(config);
  run_for(6h);  // 08:00 to 14:00, one local day
  const auto started = std::count_if(log->events.begin(), log->events.end(),
                                     [](const auto& e) { return e.kind == "start" && e.account_id == "pod1-a1"; });
  REQUIRE(started > 2);
  auto account = account_now("pod1-a1");
  REQUIRE(account.kind == "account");
  CHECK(account.counters["sessions_today"] == started);
  const auto finished = events_of("finish").size();
  CHECK(account.counters["sessions"] == static_cast<std::int64_t>(finished));  // the other counters stay
}

TEST_CASE_METHOD(actor_fixture, "a burst the draw denies is recorded as a burstDenied skip") {
  auto config = config_with_pods(1, 2);
  config->moods = {};
  config->bursts.probability = 0.5;  // every other session, about
  start(config);
  run_for(12h);
  const auto skips = events_of("skip");
  const auto denied = std::count_if(skips.begin(), skips.end(), [](const auto& e) { return e.reason == "burstDenied"; });
  const auto bursts = std::count_if(log->events.begin(), log->events.end(),
                                    [](const auto& e) { return e.kind == "start" && e.burst; });
  CHECK(denied > 0);
  CHECK(bursts > 0);
  // A denied burst is a skip, not a session: each session is counted once.
  auto a1 = account_now("pod1-a1");
  auto a2 = account_now("pod1-a2");
  CHECK(a1.counters["sessions"] + a2.counters["sessions"] == static_cast<std::int64_t>(events_of("finish").size()));
  CHECK(a1.counters["skips"] + a2.counters["skips"] == static_cast<std::int64_t>(skips.size()));
}
