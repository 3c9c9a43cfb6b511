// Helpers shared by the loop's tests: a config that runs the real simulated
// driver quickly, a virtual clock, tick runners on a scratch database, and
// reading what the queue and the driver's ledger say afterwards.
#pragma once

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "runtime/aol/adapters.hpp"
#include "runtime/aol/tick.hpp"
#include "runtime/driver/invocation.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_execution_logs.hpp"
#include "tests/store/scratch_database.hpp"

namespace troupe::aol::testing {

using store::testing::temporary_directory;

// A config whose drivers are the simulated driver, fast (1 ms verbs, one
// progress line), writing its post ledger and session logs under `dir`,
// whose PROOF artifacts go under dir/aol-data, and whose switches let
// posts through (live mode, posting enabled, a new queue out of PROOF):
// tests of the switches themselves set them back.
inline config::troupe_config fast_config(const std::filesystem::path& dir,
                                         const std::string& db_url = "sqlite::memory:") {
  config::troupe_config config;
  config.db.url = db_url;
  config.drivers.command = SIM_DRIVER_BINARY;
  config.drivers.log_dir = (dir / "session-logs").string();
  config.drivers.kill_grace_ms = 500;
  config.drivers.env = {{"SIM_DRIVER_VERB_MS", "1"},
                        {"SIM_DRIVER_ITEM_MS", "1"},
                        {"SIM_DRIVER_PROGRESS", "1"},
                        {"SIM_DRIVER_LEDGER", (dir / "ledger.txt").string()}};
  config.aol.data_dir = (dir / "aol-data").string();
  config.aol.proof = false;
  config.flags.mode = "live";
  config.flags.posting_disabled = false;
  config.flags.live_posts = true;
  return config;
}

inline std::string ledger_path(const std::filesystem::path& dir) {
  return (dir / "ledger.txt").string();
}

// The lines of a file; none when it does not exist.
inline std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline std::string contents_of(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Epoch milliseconds that move only when the test moves them.
class virtual_clock {
 public:
  explicit virtual_clock(std::int64_t start_ms = 1'000'000) : now_(start_ms) {}
  std::int64_t now() const { return now_.load(); }
  void set(std::int64_t ms) { now_.store(ms); }
  void advance(std::int64_t ms) { now_ += ms; }
  clock_function function() {
    return [this] { return now_.load(); };
  }

 private:
  std::atomic<std::int64_t> now_;
};

// An adapter context as the loop builds it, for calling adapters directly.
inline adapter_context context_for(const config::troupe_config& config, bool proof = false) {
  adapter_context context;
  context.proof = proof;
  context.artifact_dir = std::filesystem::path(config.aol.data_dir) / "proof";
  context.config = std::make_shared<const config::troupe_config>(config);
  context.flags = config.flags;
  context.daemon_env = driver::daemon_environment();
  return context;
}

inline tick_environment environment_for(const config::troupe_config& config,
                                        adapter_registry adapters, virtual_clock& clock,
                                        const std::string& owner = "daemon-a") {
  tick_environment env;
  env.settings = settings_from(config.aol);
  env.adapters = std::move(adapters);
  env.base_context = context_for(config);
  env.owner = owner;
  env.clock = clock.function();
  return env;
}

inline store::new_action action_request(const std::string& type, const std::string& payload,
                                        const std::string& key, int max_attempts = 5) {
  store::new_action request;
  request.type = type;
  request.payload_json = payload;
  request.idempotency_key = key;
  request.max_attempts = max_attempts;
  return request;
}

inline store::action enqueue(store::database& db, const store::new_action& request,
                             std::int64_t now_ms) {
  auto outcome = store::enqueue_action(db, request, now_ms);
  REQUIRE_OK(outcome);
  REQUIRE(outcome->created);
  return outcome->queued;
}

inline store::action reload(store::database& db, std::int64_t id) {
  auto loaded = store::load_action(db, id);
  REQUIRE_OK(loaded);
  REQUIRE(loaded->has_value());
  return **loaded;
}

inline std::vector<store::attempt_record> attempts(store::database& db, std::int64_t id) {
  auto found = store::attempts_of(db, id);
  REQUIRE_OK(found);
  return *found;
}

// An action as the loop hands it to an adapter (for adapter tests).
inline store::action claimed_action(const std::string& type, const std::string& payload,
                                    const std::string& key, std::int64_t id = 7,
                                    int attempt = 1) {
  store::action action;
  action.id = id;
  action.type = type;
  action.payload_json = payload;
  action.idempotency_key = key;
  action.attempts = attempt;
  action.status = store::action_status::running;
  return action;
}

// A scratch database (every migration applied), a fast config and a
// virtual clock for one test case.
struct tick_fixture {
  explicit tick_fixture(troupe::store::backend kind)
      : store(kind), config(fast_config(dir.path(), store.url())) {}

  troupe::store::database& db() { return store.db(); }
  tick_environment env(adapter_registry adapters, const std::string& owner = "daemon-a") {
    return environment_for(config, std::move(adapters), clock, owner);
  }
  troupe::store::action enqueued(const troupe::store::new_action& request) {
    return enqueue(db(), request, clock.now());
  }

  temporary_directory dir;
  troupe::store::testing::migrated_database store;
  troupe::config::troupe_config config;
  virtual_clock clock;
};

// A POST_SOCIAL payload.
inline const std::string hello_post = R"({"account":"acct-1","text":"hello"})";

// Waits until `done()` holds; false after `limit`.
template <class Predicate>
bool wait_until(Predicate done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Runs a tick that must have been run as the holder.
inline tick_report held_tick(tick_runner& runner, store::database& db) {
  const auto result = runner.run(db);
  INFO(result.report.error);
  REQUIRE_FALSE(result.standby);
  REQUIRE_FALSE(result.database_failed);
  return result.report;
}

}  // namespace troupe::aol::testing
