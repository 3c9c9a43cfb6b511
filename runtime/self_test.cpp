#include "runtime/self_test.hpp"

#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

#include "runtime/daemon.hpp"
#include "runtime/store/accounts.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/migrations.hpp"
#include "runtime/store/runner_events.hpp"

namespace troupe {
namespace {

constexpr const char* self_test_pod = "selftest";
constexpr const char* self_test_account = "selftest-account";
constexpr auto poll_interval = std::chrono::milliseconds(100);

// A fresh directory under the system's temporary directory, removed on
// destruction unless kept.
class temporary_directory {
 public:
  temporary_directory() {
    auto pattern = (std::filesystem::temp_directory_path() / "troupe-selftest-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~temporary_directory() {
    std::error_code ignored;
    if (!path_.empty() && !kept_) std::filesystem::remove_all(path_, ignored);
  }
  temporary_directory(const temporary_directory&) = delete;
  temporary_directory& operator=(const temporary_directory&) = delete;

  const std::string& path() const { return path_; }
  void keep() { kept_ = true; }

 private:
  std::string path_;
  bool kept_ = false;
};

config::mood_config awake_mood(const std::string& name, const char* start, const char* end) {
  config::mood_config mood;
  mood.name = name;
  mood.start = *config::parse_minute_of_day(start);
  mood.end = *config::parse_minute_of_day(end);
  return mood;
}

// Waits for the first event after `after_id` that `verdict` decides on
// (returns a check for); every event it passes over is skipped for good.
using event_verdict = std::function<std::optional<self_test_check>(const store::runner_event&)>;

self_test_check wait_for(store::database& db, std::int64_t& after_id, const std::string& name,
                         std::chrono::milliseconds timeout, const event_verdict& verdict) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    store::event_query query;
    query.account_id = self_test_account;
    query.after_id = after_id;
    auto events = store::query_events(db, query);
    if (!events) return {name, false, "reading runner_events failed: " + events.failure().message};
    for (const auto& event : *events) {
      after_id = event.id;
      if (auto decided = verdict(event)) return *decided;
    }
    std::this_thread::sleep_for(poll_interval);
  }
  return {name, false, fmt::format("nothing happened within {} s", timeout.count() / 1000)};
}

bool ends_session(const store::runner_event& event) { return event.kind == "finish" || event.kind == "error"; }

std::string seconds_of(const store::runner_event& event) {
  return fmt::format("{:.2f} s", static_cast<double>(event.duration_ms.value_or(0)) / 1000.0);
}

self_test_check session_check(store::database& db, std::int64_t& after_id, const std::string& activity,
                              std::chrono::milliseconds timeout) {
  const auto name = "session " + activity;
  return wait_for(db, after_id, name, timeout, [&](const store::runner_event& event) -> std::optional<self_test_check> {
    if (!ends_session(event) || event.activity != activity) return std::nullopt;
    if (event.kind == "error") {
      return self_test_check{name, false, fmt::format("ended {} (exit {})", event.reason, event.exit_code.value_or(-1))};
    }
    return self_test_check{name, true, fmt::format("exit {} after {}", event.exit_code.value_or(-1), seconds_of(event))};
  });
}

self_test_check failure_check(store::database& db, std::int64_t& after_id, const std::string& activity,
                              std::chrono::milliseconds timeout) {
  const std::string name = "forced failure";
  return wait_for(db, after_id, name, timeout, [&](const store::runner_event& event) -> std::optional<self_test_check> {
    if (!ends_session(event) || event.activity != activity) return std::nullopt;
    if (event.kind == "error" && event.reason == "hard_error") {
      return self_test_check{name, true, fmt::format("{} failed hard (exit {}) and was recorded", activity,
                                                     event.exit_code.value_or(-1))};
    }
    return self_test_check{name, false, fmt::format("{} ended {} instead of hard_error", activity, event.reason)};
  });
}

self_test_check recovery_check(store::database& db, std::int64_t& after_id, std::chrono::milliseconds timeout) {
  const std::string name = "recovery";
  std::vector<std::string> steps;
  return wait_for(db, after_id, name, timeout, [&](const store::runner_event& event) -> std::optional<self_test_check> {
    if (ends_session(event) && event.activity == "recover") {
      steps.push_back(event.kind == "finish" ? event.reason + " ok" : "failed (" + event.reason + ")");
    }
    if (event.kind != "recovery_over") return std::nullopt;
    const bool released = event.reason == "released";
    return self_test_check{name, released && !steps.empty(),
                           fmt::format("steps: {}; account {}", fmt::join(steps, ", "), event.reason)};
  });
}

std::optional<store::database> open_store(const config::troupe_config& config, self_test_check& check) {
  auto db = store::database::open(config.db.url, config.db.busy_timeout_ms);
  if (!db) {
    check.detail = db.failure().message;
    return std::nullopt;
  }
  auto applied = store::migrate(*db);
  if (!applied) {
    check.detail = "migrating failed: " + applied.failure().message;
    return std::nullopt;
  }
  auto tables = store::check_tables(*db);
  if (!tables) {
    check.detail = tables.failure().message;
    return std::nullopt;
  }
  for (const auto& table : *tables) {
    if (!table.present) {
      check.detail = "table " + table.name + " is missing after migrating";
      return std::nullopt;
    }
  }
  check.passed = true;
  check.detail = fmt::format("{} migrations applied, {} tables present", applied->size(), tables->size());
  return std::move(db).value();
}

self_test_check driver_check(const std::string& program) {
  const bool runnable = program.find('/') == std::string::npos || ::access(program.c_str(), X_OK) == 0;
  return {"driver", runnable, runnable ? program : program + " is not an executable file"};
}

std::shared_ptr<const config::troupe_config> shared(config::troupe_config config) {
  return std::make_shared<const config::troupe_config>(std::move(config));
}

}  // namespace

config::troupe_config self_test_config(const config::troupe_config& base, const std::string& directory,
                                       const self_test_options& options) {
  auto config = base;
  config.db.url = "sqlite:" + directory + "/selftest.db";
  config.drivers.command = options.driver_program;
  config.drivers.log_dir = directory + "/session-logs";
  config.drivers.env.emplace("SIM_DRIVER_TIME_SCALE", fmt::format("{}", options.driver_time_scale));
  config.concurrency = 1;
  config.tick_ms = 1000;
  config.idle = {100, 200};
  config.handoff.mode_ms = 100;
  config.handoff.sigma = 0.5;
  config.handoff.min_ms = 50;
  config.handoff.max_ms = 500;
  config.bursts.enabled = false;
  config.energy.per_session = 0;
  config.unfollow_trigger.threshold = 0;
  config.stories_policy.min_gap_ms = 0;
  config.recovery.retry_backoff_ms = 200;
  config.recovery.backoff_factor = 1.0;
  for (auto& activity : config.activities) {
    if (activity.count) activity.count->max = activity.count->min;
    if (activity.seconds) activity.seconds->max = activity.seconds->min;
  }
  // Awake all day in UTC, whatever the time the test runs.
  config.timezone = "UTC";
  config.moods = {awake_mood("selftest-am", "00:00", "12:00"), awake_mood("selftest-pm", "12:00", "00:00")};
  config::pod_config pod;
  pod.name = self_test_pod;
  pod.accounts = {self_test_account};
  config.pods = {pod};
  return config;
}

config::troupe_config only_activity(config::troupe_config config, const std::string& activity) {
  config.base_weights.clear();
  config.base_weights[activity] = 1.0;
  return config;
}

self_test_outcome run_self_test(const config::troupe_config& base, const self_test_options& options,
                                const std::function<void(const self_test_check&)>& report) {
  bool all_passed = true;
  auto check = [&](const self_test_check& result) {
    all_passed = all_passed && result.passed;
    report(result);
    return result.passed;
  };
  temporary_directory directory;
  if (!check({"setup", !directory.path().empty(),
              directory.path().empty() ? "cannot create a temporary directory" : directory.path()})) {
    return {false, ""};
  }
  const auto config = self_test_config(base, directory.path(), options);
  self_test_check database{"database", false, ""};
  auto db = open_store(config, database);
  const bool database_ready = check(database);
  const bool driver_ready = check(driver_check(options.driver_program));
  const bool activities_ready = check({"activities", !config.activities.empty(),
                                       fmt::format("{} configured", config.activities.size())});
  if (database_ready && driver_ready && activities_ready) {
    const auto& first = config.activities.front().name;
    std::uint64_t version = 1;
    daemon_tree tree(shared(only_activity(config, first)),
                     daemon_options{{}, options.driver_program, std::chrono::seconds(5), nullptr, {}});
    std::int64_t after_id = 0;
    std::string failed_activity;  // a failed session sends the account into recovery
    for (const auto& activity : config.activities) {
      if (!failed_activity.empty()) {
        check({"session " + activity.name, false, "not run: session " + failed_activity + " failed first"});
        continue;
      }
      if (activity.name != first) tree.apply_config(shared(only_activity(config, activity.name)), ++version);
      if (!check(session_check(*db, after_id, activity.name, options.phase_timeout))) failed_activity = activity.name;
    }
    if (failed_activity.empty()) {
      auto failing = only_activity(config, first);
      failing.drivers.env["SIM_DRIVER_FAIL_ACTIVITY"] = first;
      tree.apply_config(shared(failing), ++version);
      check(failure_check(*db, after_id, first, options.phase_timeout));
    }
    check(recovery_check(*db, after_id, options.phase_timeout));
    const int cut_short = tree.stop();
    check({"shutdown", cut_short == 0, fmt::format("drained; {} sessions cut short", cut_short)});
  }
  if (all_passed) return {true, ""};
  directory.keep();
  return {false, directory.path()};
}

}  // namespace troupe
