// The actor tree on virtual time: the semaphore, recovery, restarts and
// config-driven activities, as an operator relies on them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "messages/atoms.hpp"
#include "messages/config_snapshot.hpp"
#include "messages/inspect.hpp"
#include "messages/sessions.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace std::chrono_literals;
using troupe::testing::actor_fixture;
using troupe::testing::config_with_pods;

namespace {

// The most sessions running at once according to the start/end events.
int max_running(const std::vector<troupe::store::runner_event>& events) {
  int running = 0, most = 0;
  for (const auto& event : events) {
    if (event.kind == "start" || event.kind == "recover") most = std::max(most, ++running);
    if (event.kind == "finish" || event.kind == "error") --running;
  }
  return most;
}

// The start events of the sessions that have not ended yet.
std::vector<troupe::store::runner_event> running_sessions(const std::vector<troupe::store::runner_event>& events) {
  std::map<std::string, troupe::store::runner_event> running;
  for (const auto& event : events) {
    if (event.kind == "start" || event.kind == "recover") running[event.session_id] = event;
    if (event.kind == "finish" || event.kind == "error") running.erase(event.session_id);
  }
  std::vector<troupe::store::runner_event> starts;
  for (auto& entry : running) starts.push_back(std::move(entry.second));
  return starts;
}

}  // namespace

TEST_CASE_METHOD(actor_fixture, "the semaphore is never exceeded when many accounts want permits at once") {
  auto config = config_with_pods(4, 5);
  config->concurrency = 3;
  config->idle.base_min_ms = config->idle.base_max_ms = 60'000;  // everyone wants to go again soon
  start(config);
  run_for(12h);
  const auto starts = events_of("start").size();
  CHECK(starts > 50);
  CHECK(max_running(log->events) == 3);
  CHECK(supervisor_state().permits.in_use() <= 3);
}

TEST_CASE_METHOD(actor_fixture, "a permit is granted again only after the handoff delay drawn at its release") {
  auto config = config_with_pods(2, 5);
  start(config);
  run_for(8h);
  REQUIRE(log->permits.size() > 20);
  // With one permit, each grant follows the previous release by its delay.
  std::optional<std::int64_t> grantable_at;
  for (const auto& event : log->permits) {
    if (event.granted) {
      if (grantable_at) CHECK(event.at_ms >= *grantable_at);
    } else {
      CHECK(event.handoff_delay_ms >= config->handoff.min_ms);
      CHECK(event.handoff_delay_ms <= config->handoff.max_ms);
      grantable_at = event.at_ms + event.handoff_delay_ms;
    }
  }
}

TEST_CASE_METHOD(actor_fixture, "recovery runs every step with growing backoff and parks the account without stalling the pod") {
  auto config = config_with_pods(1, 3);
  config->recovery.cooldown_ms = 0;
  troupe::session_model_settings model;
  model.p_hard = 0.2;
  model.p_recovery_fails = 1.0;  // every step fails: the account ends parked
  start(config, model);
  run_for(24h);

  REQUIRE_FALSE(events_of("error").empty());
  const auto parked = std::count_if(log->accounts.begin(), log->accounts.end(),
                                    [](const auto& entry) { return entry.second.needs_recovery; });
  REQUIRE(parked >= 1);

  // The first parked account: its recovery steps follow its hard error with
  // waits of at least 30 s, 60 s, 120 s, ... (plus queueing for a permit).
  std::string account;
  for (const auto& entry : log->accounts) {
    if (entry.second.needs_recovery) account = entry.first;
  }
  std::vector<troupe::store::runner_event> mine;
  for (const auto& event : log->events) {
    if (event.account_id == account && (event.kind == "recover" || event.kind == "error")) mine.push_back(event);
  }
  auto first_error = std::find_if(mine.begin(), mine.end(), [](const auto& e) { return e.kind == "error"; });
  REQUIRE(first_error != mine.end());
  std::vector<std::string> steps;
  std::int64_t previous_end = first_error->at_ms;
  std::int64_t backoff = config->recovery.retry_backoff_ms;
  for (auto it = first_error + 1; it != mine.end() && steps.size() < 5; ++it) {
    if (it->kind != "recover") continue;
    CHECK(it->at_ms - previous_end >= backoff);
    steps.push_back(it->reason);
    backoff *= 2;
    auto end = std::find_if(it, mine.end(), [](const auto& e) { return e.kind == "error"; });
    if (end != mine.end()) previous_end = end->at_ms;
  }
  CHECK(steps == config->recovery.steps);

  // The other accounts of the pod kept working after the account was parked.
  const auto parked_at = log->accounts[account].parked_at_ms;
  const auto later_sessions = std::count_if(log->events.begin(), log->events.end(), [&](const auto& e) {
    return e.kind == "start" && e.account_id != account && e.at_ms > parked_at;
  });
  CHECK(later_sessions > 0);
  // And the parked account started nothing after it was parked.
  const auto parked_sessions = std::count_if(log->events.begin(), log->events.end(), [&](const auto& e) {
    return (e.kind == "start" || e.kind == "recover") && e.account_id == account && e.at_ms > parked_at;
  });
  CHECK(parked_sessions == 0);
}

TEST_CASE_METHOD(actor_fixture, "a crashed pod is restarted and its accounts work again") {
  auto config = config_with_pods(2, 2);
  start(config);
  run_for(1h);
  const auto before = events_of("start").size();
  auto pod = supervisor_state().pods.at("pod1");
  caf::anon_send(pod, troupe::msg::crash_atom::value);
  run_for(4h);
  CHECK(supervisor_state().counters["restarts"] == 1);
  REQUIRE(supervisor_state().pods.count("pod1") == 1);
  CHECK(supervisor_state().pods.at("pod1") != pod);
  const auto pod1_sessions_after = std::count_if(log->events.begin() + static_cast<std::ptrdiff_t>(before), log->events.end(),
                                                 [](const auto& e) { return e.kind == "start" && e.pod == "pod1"; });
  CHECK(pod1_sessions_after > 0);
}

TEST_CASE_METHOD(actor_fixture, "a pod that keeps crashing is given up after the restart limit") {
  auto config = config_with_pods(1, 1);
  troupe::actors::restart_policy restarts;
  restarts.max_restarts = 2;
  restarts.restart_window = std::chrono::minutes(10);
  start(config, {}, restarts);
  caf::scoped_actor probe{sys};
  probe->monitor(supervisor);
  auto went_down = [&] {
    bool down = false;
    probe->receive([&](const caf::down_msg&) { down = true; }, caf::after(std::chrono::seconds(0)) >> [] {});
    return down;
  };
  // Two crashes within the window are restarted, each with a new pod actor.
  for (int crash = 1; crash <= restarts.max_restarts; ++crash) {
    const auto before = supervisor_state().pods.at("pod1");
    caf::anon_send(before, troupe::msg::crash_atom::value);
    run_for(10s);
    INFO("crash " << crash);
    REQUIRE_FALSE(went_down());
    CHECK(supervisor_state().pod_restarts.at("pod1").size() == static_cast<std::size_t>(crash));
    CHECK(supervisor_state().pods.at("pod1") != before);
  }
  // The third is one too many: the supervisor gives up.
  caf::anon_send(supervisor_state().pods.at("pod1"), troupe::msg::crash_atom::value);
  run_for(10s);
  const bool gave_up = went_down();
  // Still up, the supervisor is stopped by the fixture: a failure must not
  // leave it running, or the actor system's destructor waits for it forever.
  if (gave_up) supervisor = caf::actor{};
  CHECK(gave_up);
}

TEST_CASE_METHOD(actor_fixture, "activities are data: names other than the reference four run") {
  auto config = config_with_pods(1, 3);
  troupe::config::activity_config scroll;
  scroll.name = "scroll";
  scroll.script = "scroll.js";
  scroll.seconds = troupe::config::int_range{60, 120};
  troupe::config::activity_config like;
  like.name = "like";
  like.script = "like.js";
  like.count = troupe::config::int_range{1, 3};
  config->activities = {scroll, like};
  config->base_weights = {{"scroll", 1.0}, {"like", 1.0}};
  config->unfollow_trigger.activity = "like";
  config->unfollow_trigger.counts = "like";
  config->unfollow_trigger.threshold = 0;
  config->stories_policy.activity = "scroll";
  config->stories_policy.min_gap_ms = 0;
  for (auto& mood : config->moods) mood.weights.clear();
  start(config);
  run_for(10h);
  std::set<std::string> seen;
  for (const auto& event : events_of("start")) seen.insert(event.activity);
  CHECK(seen == std::set<std::string>{"scroll", "like"});
}

TEST_CASE_METHOD(actor_fixture, "a new config raises concurrency live and adds and removes pods") {
  auto config = config_with_pods(2, 5);
  config->idle.base_min_ms = config->idle.base_max_ms = 60'000;
  start(config);
  run_for(2h);
  CHECK(max_running(log->events) == 1);

  auto changed = config_with_pods(3, 5);  // pod1, pod2, pod3
  changed->pods.erase(changed->pods.begin());  // without pod1
  changed->concurrency = 4;
  changed->idle = config->idle;
  const auto reload_at = now_ms();
  const auto events_before = log->events.size();
  caf::anon_send(supervisor, troupe::msg::config_snapshot{changed, 2});
  run_for(6h);

  CHECK(supervisor_state().pods.count("pod1") == 0);
  CHECK(supervisor_state().pods.count("pod3") == 1);
  CHECK(supervisor_state().counters["restarts"] == 0);
  std::vector<troupe::store::runner_event> after(log->events.begin() + static_cast<std::ptrdiff_t>(events_before),
                                                 log->events.end());
  CHECK(max_running(after) > 1);
  CHECK(max_running(after) <= 4);
  const auto pod1_after = std::count_if(log->events.begin(), log->events.end(), [&](const auto& e) {
    return e.kind == "start" && e.pod == "pod1" && e.at_ms > reload_at;
  });
  CHECK(pod1_after == 0);
  const auto pod3_after = std::count_if(after.begin(), after.end(),
                                        [](const auto& e) { return e.kind == "start" && e.pod == "pod3"; });
  CHECK(pod3_after > 0);
}

TEST_CASE_METHOD(actor_fixture, "a reload lets removed pods and accounts finish their running session, then stops them") {
  auto config = config_with_pods(2, 3);
  config->concurrency = 2;
  start(config);
  auto removed = [](const troupe::store::runner_event& e) { return e.pod == "pod1" || e.account_id == "pod2-a1"; };
  // Run until a session of a pod or account about to be removed is running.
  std::string cut_candidate;
  for (int step = 0; step < 24 * 60 && cut_candidate.empty(); ++step) {
    run_for(1min);
    const auto running = running_sessions(log->events);
    auto found = std::find_if(running.begin(), running.end(), [&](const auto& e) { return removed(e); });
    if (found != running.end()) cut_candidate = found->session_id;
  }
  REQUIRE_FALSE(cut_candidate.empty());

  auto changed = config_with_pods(2, 3);
  changed->pods.erase(changed->pods.begin());  // without pod1
  changed->pods[0].accounts = {"pod2-a2", "pod2-a3", "pod2-a9"};  // pod2-a1 out, pod2-a9 in
  changed->concurrency = 2;
  const auto reload_at = now_ms();
  caf::anon_send(supervisor, troupe::msg::config_snapshot{changed, 2});
  run_for(6h);

  CHECK(running_sessions(log->events).size() <= 2);  // nothing was left dangling
  const auto ended = std::find_if(log->events.begin(), log->events.end(), [&](const auto& e) {
    return e.session_id == cut_candidate && (e.kind == "finish" || e.kind == "error");
  });
  REQUIRE(ended != log->events.end());
  CHECK(ended->at_ms > reload_at);  // it ran to its end after the reload
  const auto removed_starts = std::count_if(log->events.begin(), log->events.end(), [&](const auto& e) {
    return e.kind == "start" && e.at_ms > reload_at && removed(e);
  });
  CHECK(removed_starts == 0);
  const auto added_starts = std::count_if(log->events.begin(), log->events.end(), [](const auto& e) {
    return e.kind == "start" && e.account_id == "pod2-a9";
  });
  CHECK(added_starts > 0);
  CHECK(supervisor_state().pods.count("pod1") == 0);
  CHECK(supervisor_state().counters["restarts"] == 0);
}

TEST_CASE_METHOD(actor_fixture, "the tree comes back at once, also with a pod without accounts") {
  auto config = config_with_pods(2, 2);
  config->pods.push_back(troupe::config::pod_config{"empty", {}, "", {}});
  start(config);
  auto answered = std::make_shared<std::size_t>(0);
  sys.spawn([=](caf::event_based_actor* self) {
    self->request(supervisor, std::chrono::seconds(10), troupe::msg::tree_atom::value)
        .then([=](const troupe::msg::tree_snapshot& tree) { *answered = tree.actors.size(); });
  });
  sched.run();  // no virtual time passes: a reply that needed the timeout would not come
  CHECK(*answered == 1 + 3 + 4);
}

TEST_CASE_METHOD(actor_fixture, "a requested session runs through the semaphore and answers with its end") {
  auto config = config_with_pods(1, 2);
  config->moods = {};  // no mood: never asleep
  config->base_weights.clear();  // the planner chooses nothing by itself
  start(config);
  auto finished = std::make_shared<std::vector<troupe::msg::session_finished>>();
  auto errors = std::make_shared<std::vector<std::string>>();
  auto ask = [&](std::string account, std::string activity) {
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(supervisor, std::chrono::minutes(60), troupe::msg::session_request{account, activity})
          .then([=](const troupe::msg::session_finished& done) { finished->push_back(done); },
                [=](caf::error& err) { errors->push_back(self->system().render(err)); });
    });
  };
  ask("pod1-a1", "reels");
  ask("pod1-a1", "reels");    // one requested session at a time
  ask("pod1-a2", "dancing");  // no such activity
  ask("nobody", "");          // not run here
  run_for(30min);
  CHECK(errors->empty());
  std::vector<troupe::msg::session_finished> ran;
  std::multiset<std::string> refusals;
  for (const auto& done : *finished) {
    if (done.outcome == "refused") {
      refusals.insert(done.refusal);
      CHECK(done.session_id.empty());
      CHECK_FALSE(done.error.empty());
    } else {
      ran.push_back(done);
    }
  }
  REQUIRE(ran.size() == 1);
  CHECK(ran.front().account_id == "pod1-a1");
  CHECK(ran.front().activity == "reels");
  CHECK(ran.front().outcome == "success");
  CHECK(ran.front().refusal.empty());
  CHECK(refusals == std::multiset<std::string>{"busy", "unknown_activity", "not_here"});
  CHECK(events_of("start").size() == 1);
}

TEST_CASE_METHOD(actor_fixture, "a requested session waits for the account's running session, then runs") {
  auto config = config_with_pods(1, 1);
  config->moods = {};
  start(config);
  for (int step = 0; step < 600 && running_sessions(log->events).empty(); ++step) run_for(1min);
  REQUIRE(running_sessions(log->events).size() == 1);
  const auto first = running_sessions(log->events).front().session_id;

  auto finished = std::make_shared<std::vector<troupe::msg::session_finished>>();
  sys.spawn([=](caf::event_based_actor* self) {
    self->request(supervisor, std::chrono::minutes(60), troupe::msg::session_request{"pod1-a1", "stories"})
        .then([=](const troupe::msg::session_finished& done) { finished->push_back(done); });
  });
  run_for(2h);
  REQUIRE(finished->size() == 1);
  CHECK(finished->front().activity == "stories");
  CHECK(finished->front().session_id != first);
  CHECK(max_running(log->events) == 1);  // one account: never two sessions at once
}

TEST_CASE_METHOD(actor_fixture, "clearing a parked account's recovery lets it run sessions again") {
  auto config = config_with_pods(1, 1);
  config->recovery.cooldown_ms = 0;  // parked until an operator clears it
  troupe::session_model_settings model;
  model.p_hard = 1.0;             // its first session fails hard
  model.p_recovery_fails = 1.0;   // and every recovery step fails: parked
  start(config, model);
  for (int step = 0; step < 48 && !log->accounts["pod1-a1"].needs_recovery; ++step) run_for(30min);
  run_for(2h);  // every step has run
  REQUIRE(log->accounts["pod1-a1"].needs_recovery);
  const auto starts_before = events_of("start").size();
  run_for(6h);
  CHECK(events_of("start").size() == starts_before);  // parked: nothing starts

  auto cleared = std::make_shared<std::optional<bool>>();
  sys.spawn([=](caf::event_based_actor* self) {
    self->request(supervisor, std::chrono::seconds(10), troupe::msg::clear_recovery_atom::value, std::string("pod1-a1"))
        .then([=](bool done) { *cleared = done; });
  });
  run_for(2h);
  REQUIRE(cleared->has_value());
  CHECK(**cleared);
  CHECK(events_of("start").size() > starts_before);  // it plans and runs again
  const auto over = events_of("recovery_over");
  CHECK(std::any_of(over.begin(), over.end(), [](const auto& e) { return e.reason == "cleared"; }));
}
