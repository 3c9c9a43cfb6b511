// Reloads that take away what an account has in flight (the activity of a
// waiting plan or of a queued operator request, recovery steps, a follow
// targets file), on virtual time: nothing crashes, nothing restarts, and
// what can no longer run is recorded or answered.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "messages/config_snapshot.hpp"
#include "messages/pods.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace std::chrono_literals;
using troupe::testing::actor_fixture;
using troupe::testing::config_with_pods;

namespace {

std::shared_ptr<troupe::config::troupe_config> copy_of(const troupe::config::troupe_config& config) {
  return std::make_shared<troupe::config::troupe_config>(config);
}

void remove_activity(troupe::config::troupe_config& config, const std::string& name) {
  auto& activities = config.activities;
  activities.erase(std::remove_if(activities.begin(), activities.end(), [&](const auto& a) { return a.name == name; }),
                   activities.end());
  config.base_weights.erase(name);
}

// A follow targets file with `lines` targets, removed at the end of the test.
struct targets_on_disk {
  explicit targets_on_disk(int lines)
      : path(std::filesystem::temp_directory_path() /
             ("troupe-targets-" + std::to_string(::getpid()) + "-" + std::to_string(lines) + ".txt")) {
    std::ofstream out(path);
    for (int i = 0; i < lines; ++i) out << "target-" << i << "\n";
  }
  ~targets_on_disk() { std::filesystem::remove(path); }
  std::filesystem::path path;
};

// Only follow, consuming targets from `file` for pod1-a1; never asleep.
std::shared_ptr<troupe::config::troupe_config> follow_config(const std::string& file) {
  auto config = config_with_pods(1, 1);
  config->moods = {};
  config->base_weights = {{"follow", 1.0}};
  for (auto& activity : config->activities) activity.consumes_targets = activity.name == "follow";
  config->pods[0].targets["pod1-a1"] = file;
  return config;
}

// Runs up to 100 minutes of virtual time until the first session starts;
// true iff exactly one has.
bool run_until_a_session_starts(actor_fixture& tree) {
  for (int step = 0; step < 600 && tree.events_of("start").empty(); ++step) tree.run_for(10s);
  return tree.events_of("start").size() == 1;
}

}  // namespace

TEST_CASE_METHOD(actor_fixture, "a reload that removes an activity drops the plans waiting for it with activityRemoved") {
  auto config = config_with_pods(1, 3);
  config->moods = {};
  config->base_weights = {{"stories", 1.0}};  // every plan is a stories session
  start(config);
  for (int step = 0; step < 360 && supervisor_state().permits.waiting() < 2; ++step) run_for(10s);
  REQUIRE(supervisor_state().permits.waiting() == 2);  // one account runs, two plans wait
  const auto running_before = events_of("start");
  REQUIRE(running_before.size() == 1);

  auto changed = copy_of(*config);
  remove_activity(*changed, "stories");
  changed->base_weights = {{"reels", 1.0}};
  const auto reload_at = now_ms();
  caf::anon_send(supervisor, troupe::msg::config_snapshot{changed, 2});
  sched.run();
  CHECK(supervisor_state().permits.waiting() == 0);  // their permit requests were cancelled
  run_for(3h);

  const auto skips = events_of("skip");
  CHECK(std::count_if(skips.begin(), skips.end(), [](const auto& e) { return e.reason == "activityRemoved"; }) == 2);
  const auto stories_after = std::count_if(log->events.begin(), log->events.end(), [&](const auto& e) {
    return e.kind == "start" && e.activity == "stories" && e.at_ms > reload_at;
  });
  CHECK(stories_after == 0);
  const auto finished = events_of("finish");
  CHECK(std::any_of(finished.begin(), finished.end(),
                    [&](const auto& e) { return e.session_id == running_before.front().session_id; }));
  CHECK(std::count_if(log->events.begin(), log->events.end(), [&](const auto& e) {
          return e.kind == "start" && e.activity == "reels";
        }) > 0);
  CHECK(supervisor_state().counters["restarts"] == 0);
  CHECK(tree_now().size() == 1 + 1 + 3);
}

TEST_CASE_METHOD(actor_fixture, "a reload that shortens the recovery steps mid-recovery parks the account") {
  auto config = config_with_pods(1, 1);
  config->moods = {};
  config->recovery.cooldown_ms = 0;
  troupe::session_model_settings model;
  model.p_hard = 1.0;            // the first session fails hard
  model.p_recovery_fails = 1.0;  // and every step fails
  start(config, model);
  // Until two steps have failed: the third waits for its backoff.
  auto failed_steps = [&] {
    const auto errors = events_of("error");
    return std::count_if(errors.begin(), errors.end(), [](const auto& e) { return e.activity == "recover"; });
  };
  for (int step = 0; step < 2000 && failed_steps() < 2; ++step) run_for(10s);
  REQUIRE(failed_steps() == 2);
  REQUIRE(supervisor_state().recoveries.count("pod1-a1") == 1);

  auto changed = copy_of(*config);
  changed->recovery.steps = {"homepage"};  // the third step is gone
  caf::anon_send(supervisor, troupe::msg::config_snapshot{changed, 2});
  run_for(1h);

  CHECK(events_of("recover").size() == 2);
  CHECK(supervisor_state().recoveries.count("pod1-a1") == 0);
  CHECK(supervisor_state().counters["recoveries_parked"] == 1);
  CHECK(log->accounts["pod1-a1"].needs_recovery);
  const auto over = events_of("recovery_over");
  REQUIRE(over.size() == 1);
  CHECK(over.front().reason == "parked");
  CHECK(supervisor_state().counters["restarts"] == 0);
  CHECK(account_now("pod1-a1").state["status"] == "parked");
}

TEST_CASE_METHOD(actor_fixture, "a reload after the targets file was deleted skips follows with noTargets") {
  targets_on_disk file(500);
  auto config = follow_config(file.path.string());
  start(config);
  REQUIRE(run_until_a_session_starts(*this));

  std::filesystem::remove(file.path);
  const auto reload_at = now_ms();
  caf::anon_send(supervisor, troupe::msg::config_snapshot{copy_of(*config), 2});
  run_for(6h);

  const auto later_starts = std::count_if(log->events.begin(), log->events.end(), [&](const auto& e) {
    return e.kind == "start" && e.at_ms > reload_at;
  });
  CHECK(later_starts == 0);
  const auto skips = events_of("skip");
  CHECK(std::count_if(skips.begin(), skips.end(), [&](const auto& e) {
          return e.reason == "noTargets" && e.at_ms > reload_at;
        }) > 0);
  CHECK(supervisor_state().counters["restarts"] == 0);
  CHECK(account_now("pod1-a1").kind == "account");
}

TEST_CASE_METHOD(actor_fixture, "a reload that removes an account's targets file from the config lets it follow without one") {
  targets_on_disk file(500);
  auto config = follow_config(file.path.string());
  start(config);
  REQUIRE(run_until_a_session_starts(*this));

  auto changed = copy_of(*config);
  changed->pods[0].targets.clear();
  const auto reload_at = now_ms();
  caf::anon_send(supervisor, troupe::msg::config_snapshot{changed, 2});
  run_for(6h);

  const auto later_starts = std::count_if(log->events.begin(), log->events.end(), [&](const auto& e) {
    return e.kind == "start" && e.at_ms > reload_at;
  });
  CHECK(later_starts > 0);
  CHECK(supervisor_state().counters["restarts"] == 0);
  CHECK(account_now("pod1-a1").kind == "account");
}

TEST_CASE_METHOD(actor_fixture, "a reload that removes the activity of a queued operator request refuses it at once") {
  auto config = config_with_pods(1, 1);
  config->moods = {};
  config->base_weights = {{"reels", 1.0}};  // reels run 2 to 10 minutes
  start(config);
  REQUIRE(run_until_a_session_starts(*this));
  const auto running = events_of("start").front().session_id;

  auto answers = ask_session("pod1-a1", "stories");
  sched.run();
  CHECK(answers->empty());  // queued behind the running session
  auto changed = copy_of(*config);
  remove_activity(*changed, "stories");
  caf::anon_send(supervisor, troupe::msg::config_snapshot{changed, 2});
  sched.run();  // no virtual time passes

  REQUIRE(answers->size() == 1);
  CHECK(answers->front().outcome == "refused");
  CHECK(answers->front().refusal == "unknown_activity");
  CHECK(answers->front().session_id.empty());
  CHECK(answers->front().account_id == "pod1-a1");
  CHECK(answers->front().activity == "stories");
  run_for(1h);
  const auto finished = events_of("finish");
  CHECK(std::any_of(finished.begin(), finished.end(), [&](const auto& e) { return e.session_id == running; }));
  CHECK(supervisor_state().counters["restarts"] == 0);
  CHECK(account_now("pod1-a1").kind == "account");
}

namespace {

// The supervisor's answer to config_applied_atom as it stands now (no virtual time passes).
troupe::msg::config_applied config_applied_now(actor_fixture& tree) {
  auto applied = std::make_shared<troupe::msg::config_applied>();
  auto to = tree.supervisor;
  tree.sys.spawn([=](caf::event_based_actor* self) {
    self->request(to, std::chrono::seconds(10), troupe::msg::config_applied_atom::value)
        .then([=](const troupe::msg::config_applied& answer) { *applied = answer; });
  });
  tree.sched.run();
  return *applied;
}

}  // namespace

TEST_CASE_METHOD(
    actor_fixture,
    "the supervisor reports the lowest config version its accounts applied and how many accounts") {
  auto config = config_with_pods(2, 3);
  start(config);
  auto applied = config_applied_now(*this);
  CHECK(applied.lowest_version == 1);
  CHECK(applied.accounts == 6);

  // Only pod1's accounts get version 2: pod2's still hold 1.
  caf::anon_send(supervisor_state().pods.at("pod1"),
                 troupe::msg::config_snapshot{copy_of(*config), 2});
  sched.run();
  applied = config_applied_now(*this);
  CHECK(applied.lowest_version == 1);
  CHECK(applied.accounts == 6);
  CHECK(account_now("pod1-a3").state.at("config_version") == "2");

  // Version 3 without pod2's last account: every remaining account holds it.
  auto changed = copy_of(*config);
  changed->pods[1].accounts.pop_back();
  caf::anon_send(supervisor, troupe::msg::config_snapshot{changed, 3});
  sched.run();
  applied = config_applied_now(*this);
  CHECK(applied.lowest_version == 3);
  CHECK(applied.accounts == 5);
}
