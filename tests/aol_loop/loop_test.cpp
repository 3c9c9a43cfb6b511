// The loop's own thread on real time: it ticks and reports, stops promptly
// even mid-action, hands the lease over, and survives its database going
// away. SQLite and PostgreSQL.
#include "runtime/aol/loop.hpp"

#include <csignal>
#include <future>
#include <mutex>
#include <thread>

#include "runtime/store/aol_lease.hpp"
#include "runtime/store/aol_tick_ledger.hpp"
#include "runtime/store/statements.hpp"
#include "tests/aol_loop/loop_fixtures.hpp"
#include "tests/driver/driver_fixture.hpp"

using namespace troupe::aol;
using namespace troupe::aol::testing;
using namespace troupe::store;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

using namespace std::chrono_literals;

// The reports of a loop, collected from its thread.
class tick_log {
 public:
  std::function<void(const tick_report&)> callback() {
    return [this](const tick_report& report) {
      std::lock_guard<std::mutex> lock(mutex_);
      reports_.push_back(report);
    };
  }
  std::vector<tick_report> reports() {
    std::lock_guard<std::mutex> lock(mutex_);
    return reports_;
  }
  std::size_t count() { return reports().size(); }
  bool saw(tick_status status) {
    for (const auto& report : reports()) {
      if (report.status == status) return true;
    }
    return false;
  }

 private:
  std::mutex mutex_;
  std::vector<tick_report> reports_;
};

loop_options options_for(const troupe::config::troupe_config& config, tick_log& log,
                         const std::string& owner = "") {
  loop_options options;
  options.config = std::make_shared<const troupe::config::troupe_config>(config);
  options.adapters = builtin_adapters(no_session_runner());
  options.owner = owner;
  options.on_tick = log.callback();
  return options;
}

aol_loop started(loop_options options) {
  auto loop = aol_loop::start(std::move(options));
  REQUIRE_OK(loop);
  return std::move(loop).value();
}

// A fast loop on the scratch database of `store`.
troupe::config::troupe_config loop_config(const temporary_directory& dir,
                                          const std::string& url) {
  auto config = fast_config(dir.path(), url);
  config.aol.tick_ms = 20;
  config.aol.lease_ttl_ms = 1000;
  return config;
}

}  // namespace

TEST_CASE("the loop ticks on its own thread, reports each tick and stops after max_ticks") {
  const backend kind = GENERATE(from_range(test_backends()));
  temporary_directory dir;
  migrated_database store(kind);
  auto config = loop_config(dir, store.url());
  // A tick waits for its attempts a third of the lease: 10 s, not 333 ms,
  // which a driver under the sanitizers on a loaded machine outlasted.
  config.aol.lease_ttl_ms = 30'000;
  const auto queued = enqueue(store.db(), action_request("POST_SOCIAL", hello_post, "post-1"), 0);
  tick_log log;
  auto options = options_for(config, log);
  options.max_ticks = 3;
  auto loop = started(std::move(options));
  REQUIRE(wait_until([&] { return loop.finished(); }));
  const auto reports = log.reports();
  REQUIRE(reports.size() == 3);
  for (std::size_t i = 0; i < reports.size(); ++i) {
    CHECK(reports[i].index == static_cast<std::int64_t>(i + 1));
    CHECK(reports[i].status == tick_status::success);
  }
  CHECK(reports[0].attempted == 1);
  CHECK(reports[0].succeeded == 1);
  CHECK(reload(store.db(), queued.id).status == action_status::succeeded);
  auto ticks = recent_ticks(store.db(), 10);
  REQUIRE_OK(ticks);
  CHECK(ticks->size() == 3);
  CHECK(ticks->front().owner == loop.owner());
  // A finished loop gave its lease up.
  auto lease = load_lease(store.db(), loop_lease_name);
  REQUIRE_OK(lease);
  CHECK((*lease)->expires_at_ms == released_lease_expiry);
}

TEST_CASE("stopping the loop mid-action cancels the driver, releases the lease and joins promptly") {
  const backend kind = GENERATE(from_range(test_backends()));
  temporary_directory dir;
  migrated_database store(kind);
  auto config = loop_config(dir, store.url());
  config.drivers.env["SIM_DRIVER_P_HANG"] = "1";
  // The driver and the grandchild it forks ignore SIGTERM: only a SIGKILL
  // to the whole group stops them.
  config.drivers.env["SIM_DRIVER_P_GRANDCHILD"] = "1";
  config.drivers.env["SIM_DRIVER_IGNORE_TERM"] = "1";
  const auto queued = enqueue(store.db(), action_request("POST_SOCIAL", hello_post, "hangs"), 0);
  tick_log log;
  auto loop = started(options_for(config, log));
  REQUIRE(wait_until([&] { return reload(store.db(), queued.id).status == action_status::running; }));
  // The driver posting the key "hangs" runs (in its own process group).
  std::vector<pid_t> drivers;
  REQUIRE(wait_until([&] { return !(drivers = troupe::driver::testing::children_with_argument("hangs")).empty(); }));
  REQUIRE(drivers.size() == 1);
  const auto stopping = std::chrono::steady_clock::now();
  auto stopped = std::async(std::launch::async, [&] { loop.stop(); });
  const bool prompt = stopped.wait_for(3s) == std::future_status::ready;
  // A broken build must not hang the test: the group is killed for it.
  if (!prompt) ::kill(-drivers.front(), SIGKILL);
  stopped.wait();
  CHECK(prompt);
  CHECK(std::chrono::steady_clock::now() - stopping < 3s);
  CHECK(loop.finished());
  const bool gone = troupe::driver::testing::group_gone_within(drivers.front(), 2s);
  if (!gone) ::kill(-drivers.front(), SIGKILL);
  CHECK(gone);  // no process of it left
  const auto cancelled = reload(store.db(), queued.id);
  CHECK(cancelled.status == action_status::retry);
  auto lease = load_lease(store.db(), loop_lease_name);
  REQUIRE_OK(lease);
  CHECK((*lease)->expires_at_ms == released_lease_expiry);
}

TEST_CASE("of two loops on one database only the holder ticks, the standby takes over") {
  const backend kind = GENERATE(from_range(test_backends()));
  temporary_directory dir;
  migrated_database store(kind);
  const auto config = loop_config(dir, store.url());
  tick_log first_log, second_log;
  auto first = started(options_for(config, first_log, "daemon-a"));
  REQUIRE(wait_until([&] { return first_log.count() >= 2; }));
  auto second = started(options_for(config, second_log, "daemon-b"));
  std::this_thread::sleep_for(300ms);
  CHECK(second_log.count() == 0);
  first.stop();
  REQUIRE(wait_until([&] { return second_log.count() >= 2; }, 3s));
  auto ticks = recent_ticks(store.db(), 1);
  REQUIRE_OK(ticks);
  CHECK(ticks->front().owner == "daemon-b");
  CHECK(ticks->front().epoch == 2);
}

TEST_CASE("a database that goes away makes ERROR ticks, and the loop carries on once it is back") {
  const backend kind = GENERATE(from_range(test_backends()));
  temporary_directory dir;
  migrated_database store(kind);
  auto config = loop_config(dir, store.url());
  config.db.busy_timeout_ms = 50;
  if (kind == backend::postgresql) config.db.url += "&application_name=aol-loop-under-test";
  tick_log log;
  auto loop = started(options_for(config, log));
  REQUIRE(wait_until([&] { return log.saw(tick_status::success); }));
  auto other = database::open(store.url());
  REQUIRE_OK(other);
  auto& sql = other->session();
  if (kind == backend::sqlite) {
    // A writer that keeps the file locked: every write of the loop fails.
    execute(sql, "BEGIN EXCLUSIVE");
    CHECK(wait_until([&] { return log.saw(tick_status::error); }));
    execute(sql, "COMMIT");
  } else {
    // The server drops the loop's connection.
    execute(sql,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'aol-loop-under-test'");
    CHECK(wait_until([&] { return log.saw(tick_status::error); }));
  }
  const auto errors_seen = log.count();
  const auto queued = enqueue(store.db(), action_request("POST_SOCIAL", hello_post, "after"), 0);
  CHECK(wait_until([&] { return reload(store.db(), queued.id).status == action_status::succeeded; }));
  // The tick that ran it reports after its last write: wait for the report too.
  CHECK(wait_until([&] {
    const auto reports = log.reports();
    return reports.size() > errors_seen && reports.back().status == tick_status::success;
  }));
  CHECK_FALSE(loop.finished());
}

TEST_CASE("the loop refuses to start without a config or a database") {
  CHECK_FALSE(aol_loop::start(loop_options{}).ok());
  temporary_directory dir;
  tick_log log;
  auto config = fast_config(dir.path(), "postgresql://nobody@127.0.0.1:1/none");
  auto refused = aol_loop::start(options_for(config, log));
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.failure().message,
             Catch::Matchers::Contains("the AOL loop cannot open its database"));
}
