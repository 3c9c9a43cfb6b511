// job:monitor inside a real `troupe run`: each condition raised by making it
// true for real (the simulated driver exits 3, an action dies in the DLQ,
// the queue is paused while actions come in, the disk threshold and the LLM
// circuit are reloaded, the binary is replaced on disk, PostgreSQL becomes
// unreachable, a second daemon waits for the lease, the recovery fails,
// posting is allowed with an old last post) and resolved by undoing
// it, as GET /api/monitor-issues, /metrics and the monitor_issues table show.
#include <fmt/format.h>
#include <soci/soci.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "runtime/store/content_decisions.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/migrations.hpp"
#include "runtime/store/posted_decisions.hpp"
#include "runtime/store/statements.hpp"
#include "runtime/system_clock.hpp"
#include "tests/api/daemon_fixture.hpp"
#include "tests/store/scratch_database.hpp"
#include "tests/support/tcp_proxy.hpp"
#include "tests/support/webhook_receiver.hpp"

using namespace troupe;
using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

// Runs the monitor now and waits for its run to end.
void run_monitor(int port) {
  const auto started = request(port, "POST", "/admin/jobs/run?job=monitor", test_admin_token);
  REQUIRE(started.status == 202);
  const std::string run_id(started.json().at("run_id").as_string());
  const auto finished = [&] {
    const auto jobs = request(port, "GET", "/api/jobs").json();
    for (const auto& job : jobs.at("jobs").as_array()) {
      if (job.at("name") != "monitor") continue;
      for (const auto& run : job.at("runs").as_array()) {
        if (run.at("run_id") == run_id.c_str()) return run.at("outcome") != "running";
      }
    }
    return false;
  };
  REQUIRE(eventually(finished, 60s));
}

// The condition ids in GET /api/monitor-issues' list `which` (open or resolved).
std::set<std::string> listed(int port, const char* which) {
  std::set<std::string> ids;
  const auto issues = request(port, "GET", "/api/monitor-issues").json();
  for (const auto& issue : issues.at(which).as_array()) ids.insert(std::string(issue.at("condition_id").as_string()));
  return ids;
}

bool has_prefix(const std::set<std::string>& ids, const std::string& prefix) {
  for (const auto& id : ids) {
    if (id.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// The monitor job runs only when asked; everything else as daemon_config.
std::string monitor_config(const temp_dir& dir, const std::string& extra) {
  return daemon_config(dir, 2, test_admin_token) + "jobs: {monitor: {everyMs: 3600000}}\n" + extra;
}

// Replaces the config (whole, by a rename: the daemon's file watcher must
// not read it half written) and waits for the daemon to apply it.
void reload(int port, const temp_dir& dir, const std::string& yaml) {
  std::filesystem::rename(dir.write("troupe.yaml.new", yaml), dir.file("troupe.yaml"));
  const auto reloaded = request(port, "POST", "/admin/reload", test_admin_token);
  INFO(reloaded.body);
  REQUIRE(reloaded.status == 200);
}

// GET /api/accounts answers from a view of the tree up to a second old;
// the tests that clear accounts and then wait for none to be parked run the
// daemon with a walk per request (the daemon inherits the variable).
class live_tree_answers {
 public:
  live_tree_answers() { ::setenv("TROUPE_TREE_REFRESH_MS", "0", 1); }
  ~live_tree_answers() { ::unsetenv("TROUPE_TREE_REFRESH_MS"); }
  live_tree_answers(const live_tree_answers&) = delete;
  live_tree_answers& operator=(const live_tree_answers&) = delete;
};

std::vector<std::string> parked_accounts(int port) {
  std::vector<std::string> parked;
  const auto accounts = request(port, "GET", "/api/accounts").json();
  for (const auto& account : accounts.at("accounts").as_array()) {
    if (account.at("status") == "parked") parked.emplace_back(account.at("id").as_string());
  }
  return parked;
}

long long stored_issues(const std::string& url, const std::string& condition, bool resolved) {
  auto db = store::database::open(url);
  REQUIRE(db.ok());
  long long count = 0;
  store::execute(db->session(),
                 std::string("SELECT COUNT(*) FROM monitor_issues WHERE condition_id = :condition AND resolved_at IS ") +
                     (resolved ? "NOT NULL" : "NULL"),
                 soci::into(count), soci::use(condition));
  return count;
}

// Clears every parked account. A test that reloads a working driver clears
// them again while it waits: a session that began before the reload may
// still fail and park its account after the first clearing.
void clear_parked_accounts(int port) {
  for (const auto& account : parked_accounts(port)) {
    CHECK(request(port, "POST", "/admin/accounts/" + account + "/clear-recovery", test_admin_token)
              .status == 200);
  }
}

}  // namespace

TEST_CASE("the monitor raises and resolves the driver, queue, disk and LLM conditions of a live daemon",
          "[ops][monitor][daemon]") {
  ::setenv("TROUPE_TEST_MONITOR_KEY", "test-key", 1);  // the daemon inherits it: the LLM's gate gets past the key
  const live_tree_answers live;
  temp_dir dir;
  const std::string base = "aol: {tickMs: 100, proof: false}\nllm: {apiKeyEnv: TROUPE_TEST_MONITOR_KEY}\n";
  const std::string exit_3 = "  env: {SIM_DRIVER_TIME_SCALE: \"0.02\", SIM_DRIVER_EXIT: \"3\"}\n";
  auto yaml_with = [&](const std::string& drivers_env, const std::string& extra) {
    auto yaml = monitor_config(dir, base + extra);
    const std::string env_line = "  env: {SIM_DRIVER_TIME_SCALE: \"0.02\"}\n";
    yaml.replace(yaml.find(env_line), env_line.size(), drivers_env);
    return yaml;
  };
  const std::string normal_env = "  env: {SIM_DRIVER_TIME_SCALE: \"0.02\"}\n";
  running_daemon daemon(dir, dir.write("troupe.yaml", yaml_with(exit_3, "monitor: {errorStreak: 1, backlogTicks: 2}\n")));
  const int port = daemon.port();

  // Nothing is wrong before the first run, and nothing shows before it.
  CHECK(request(port, "GET", "/api/monitor-issues").json().at("last_run_at").is_null());

  // The driver exits 3: the accounts that ran are parked, asking for their owner.
  REQUIRE(eventually([&] { return !parked_accounts(port).empty(); }, 60s));
  // An action that fails for good lands in the dead-letter queue (NOTIFY without a webhook).
  const auto enqueued = request(
      port, "POST", "/api/actions", test_admin_token,
      R"({"type":"NOTIFY","idempotency_key":"monitor-dlq","payload":{"text":"x"},"max_attempts":1})");
  INFO(enqueued.body);
  REQUIRE(enqueued.status / 100 == 2);
  const auto dlq_id = enqueued.json().at("id").to_number<std::int64_t>();
  REQUIRE(eventually([&] {
    return request(port, "GET", "/api/actions/" + std::to_string(dlq_id)).json().at("status") == "DLQ";
  }, 30s));
  // The queue is paused while actions come in: its backlog grows from one run to the next.
  REQUIRE(
      request(port, "POST", "/admin/aol/flags", test_admin_token, R"({"paused":true})").status ==
      200);
  std::vector<std::int64_t> waiting_ids;
  auto enqueue_waiting = [&](const std::string& key) {
    const auto waiting = request(port, "POST", "/api/actions", test_admin_token,
                                 R"({"type":"NOTIFY","idempotency_key":")" + key + R"(","payload":{"text":"x"}})");
    REQUIRE(waiting.status / 100 == 2);
    waiting_ids.push_back(waiting.json().at("id").to_number<std::int64_t>());
  };
  enqueue_waiting("waiting-1");
  run_monitor(port);
  enqueue_waiting("waiting-2");
  // The disk threshold above any disk, and the LLM's circuit open.
  reload(port, dir, yaml_with(exit_3, "monitor: {errorStreak: 1, backlogTicks: 2, minFreeDiskBytes: 1000000000000000}\n"
                                      "flags: {aiQuotaCircuitOpen: true}\n"));
  run_monitor(port);

  auto open = listed(port, "open");
  INFO(fmt::format("open: {}", fmt::join(open, ", ")));
  CHECK(has_prefix(open, "driver_auth_required:"));
  CHECK(has_prefix(open, "error_streak:"));
  CHECK(open.count("dlq_not_empty") == 1);
  CHECK(open.count("queue_backlog_growing") == 1);
  CHECK(has_prefix(open, "low_disk:"));
  CHECK(open.count("llm_unavailable") == 1);
  CHECK(stored_issues("sqlite:" + dir.file("troupe.db"), "dlq_not_empty", false) == 1);
  CHECK(eventually([&] { return daemon.process().output().find("[MONITOR] raised dlq_not_empty") != std::string::npos; },
                   5s));

  // Undo each: the driver works again and the accounts are cleared, the
  // actions are cancelled (the waiting ones too: NOTIFY without a webhook
  // would retry into the dead-letter queue), the queue resumes, the
  // thresholds go back.
  reload(port, dir, yaml_with(normal_env, "monitor: {errorStreak: 1, backlogTicks: 2}\n"));
  clear_parked_accounts(port);
  waiting_ids.push_back(dlq_id);
  for (const auto id : waiting_ids) {
    REQUIRE(request(port, "PATCH", "/api/actions/" + std::to_string(id), test_admin_token,
                    R"({"op":"cancel"})")
                .status == 200);
  }
  REQUIRE(
      request(port, "POST", "/admin/aol/flags", test_admin_token, R"({"paused":false})").status ==
      200);
  const auto resolved_all = [&] {
    clear_parked_accounts(port);  // again: see clear_parked_accounts
    run_monitor(port);
    const auto still = listed(port, "open");
    return !has_prefix(still, "driver_auth_required:") && still.count("dlq_not_empty") == 0 &&
           still.count("queue_backlog_growing") == 0 && !has_prefix(still, "low_disk:") &&
           still.count("llm_unavailable") == 0;
  };
  const bool all_resolved = eventually(resolved_all, 60s);
  INFO(fmt::format("still open: {}", fmt::join(listed(port, "open"), ", ")));
  REQUIRE(all_resolved);
  const auto resolved = listed(port, "resolved");
  CHECK(resolved.count("dlq_not_empty") == 1);
  CHECK(resolved.count("llm_unavailable") == 1);
  CHECK(has_prefix(resolved, "driver_auth_required:"));
  CHECK(stored_issues("sqlite:" + dir.file("troupe.db"), "dlq_not_empty", true) == 1);

  const auto stats = request(port, "GET", "/api/monitor-issues").json().at("stats");
  CHECK(stats.at("resolved").to_number<std::int64_t>() >= 5);
  CHECK(stats.at("resolution_rate").to_number<double>() > 0.0);
  CHECK(stats.at("mean_time_to_resolve_s").to_number<double>() > 0.0);
  const auto metrics = request(port, "GET", "/metrics").body;
  CHECK(metrics.find("troupe_monitor_issues_resolved_total") != std::string::npos);
  CHECK(metrics.find("troupe_monitor_mean_time_to_resolve_seconds") != std::string::npos);
}

TEST_CASE("the monitor says a newer binary is on disk once the running one was replaced, and notifies the webhook",
          "[ops][monitor][daemon]") {
  webhook_receiver webhook(200);
  temp_dir dir;
  const auto binary = dir.file("troupe-copy");
  std::filesystem::copy_file(TROUPE_BINARY, binary);
  std::filesystem::permissions(binary, std::filesystem::perms::owner_all);
  running_daemon daemon(dir,
                        {dir.write("troupe.yaml", monitor_config(dir, "aol: {tickMs: 100, proof: false}\n"
                                                                      "notify: {url: \"" + webhook.url("/hooks/ops") +
                                                                      "\", groupMs: 0}\n"))},
                        binary);
  const int port = daemon.port();
  run_monitor(port);
  CHECK(listed(port, "open").count("stale_version") == 0);

  // As a package upgrade does: the new file is renamed over the old one.
  std::filesystem::copy_file(TROUPE_BINARY, binary + ".new");
  std::filesystem::rename(binary + ".new", binary);
  run_monitor(port);
  CHECK(listed(port, "open").count("stale_version") == 1);
  // The raised issue reaches the operator's webhook as an Alertmanager-shaped
  // firing alert. Other alerts may come first: on a loaded machine the first
  // run can find the tree slow to answer (actor_heartbeat_stale).
  std::optional<std::string> status;
  REQUIRE(eventually(
      [&] {
        for (const auto& body : webhook.bodies()) {
          const auto payload = boost::json::parse(body);
          for (const auto& alert : payload.at("alerts").as_array()) {
            if (alert.at("labels").at("alertname") == "stale_version")
              status = std::string(alert.at("status").as_string());
          }
        }
        return status.has_value();
      },
      30s));
  CHECK(*status == "firing");
}

TEST_CASE("a second daemon on the same database sees the lease held, and takes it when the first stops",
          "[ops][monitor][daemon]") {
  temp_dir dir;
  const auto config = dir.write("troupe.yaml", monitor_config(dir, "aol: {tickMs: 100, leaseTtlMs: 1000}\n"));
  auto first = std::make_unique<running_daemon>(dir, std::vector<std::string>{config}, TROUPE_BINARY, "first.txt");
  running_daemon second(dir, {config}, TROUPE_BINARY, "second.txt");
  std::this_thread::sleep_for(1500ms);  // past one lease TTL: the lease is judged
  run_monitor(second.port());
  CHECK(listed(second.port(), "open").count("aol_lease") == 1);
  run_monitor(first->port());
  CHECK(listed(first->port(), "open").count("aol_lease") == 0);

  first.reset();  // stops, giving the lease up
  REQUIRE(eventually([&] {
    run_monitor(second.port());
    return listed(second.port(), "resolved").count("aol_lease") == 1;
  }, 30s));
}

TEST_CASE("the monitor raises database_unreachable while PostgreSQL is cut off, serves it, and stores it once back",
          "[ops][monitor][daemon]") {
  const auto backends = store::testing::test_backends();
  if (std::find(backends.begin(), backends.end(), store::backend::postgresql) == backends.end()) return;
  store::testing::temporary_schema schema;
  const std::string host = std::getenv("PGHOST");
  testing::tcp_proxy proxy(host, std::getenv("PGPORT") ? std::getenv("PGPORT") : "5432");
  std::string url = schema.url();
  const auto at = url.find('@');
  url.replace(at + 1, url.find('/', at) - at - 1, "127.0.0.1:" + std::to_string(proxy.port()));
  {
    auto migrated = store::database::open(url);
    REQUIRE(migrated.ok());
    REQUIRE(store::migrate(*migrated).ok());
  }
  temp_dir dir;
  auto yaml = monitor_config(dir, "");
  const std::string db_line = "db: {url: \"sqlite:" + dir.file("troupe.db") + "\"}";
  yaml.replace(yaml.find(db_line), db_line.size(), "db: {url: \"" + url + "\"}");
  running_daemon daemon(dir, dir.write("troupe.yaml", yaml));
  const int port = daemon.port();

  proxy.cut();
  run_monitor(port);
  CHECK(listed(port, "open").count("database_unreachable") == 1);
  proxy.restore();
  REQUIRE(eventually([&] {
    run_monitor(port);
    return listed(port, "resolved").count("database_unreachable") == 1;
  }, 30s));
  // Raised and resolved while the database was away, stored once it answered.
  CHECK(stored_issues(url, "database_unreachable", true) == 1);
}

TEST_CASE("the monitor raises account_parked once every recovery step failed, and resolves it once cleared",
          "[ops][monitor][daemon]") {
  const live_tree_answers live;
  temp_dir dir;
  const std::string crashing = "  env: {SIM_DRIVER_TIME_SCALE: \"0.02\", SIM_DRIVER_EXIT: \"1\"}\n";
  const std::string normal = "  env: {SIM_DRIVER_TIME_SCALE: \"0.02\"}\n";
  auto yaml_with = [&](const std::string& drivers_env) {
    auto yaml = monitor_config(dir, "recovery: {maxRecoverySteps: 1, retryBackoffMs: 100, steps: [refresh]}\n");
    yaml.replace(yaml.find(normal), normal.size(), drivers_env);
    return yaml;
  };
  running_daemon daemon(dir, dir.write("troupe.yaml", yaml_with(crashing)));
  const int port = daemon.port();

  // The driver crashes (exit 1) in its sessions and in the recovery step: the account is parked.
  REQUIRE(eventually([&] { return !parked_accounts(port).empty(); }, 60s));
  const auto parked = parked_accounts(port).front();
  run_monitor(port);
  const auto open = listed(port, "open");
  INFO(fmt::format("open: {}", fmt::join(open, ", ")));
  CHECK(open.count("account_parked:" + parked) == 1);
  CHECK_FALSE(has_prefix(open, "driver_auth_required:"));  // a crash, not a login

  reload(port, dir, yaml_with(normal));
  REQUIRE(eventually([&] {
    clear_parked_accounts(port);
    run_monitor(port);
    return !has_prefix(listed(port, "open"), "account_parked:");
  }, 60s));
  CHECK(listed(port, "resolved").count("account_parked:" + parked) == 1);
  CHECK(stored_issues("sqlite:" + dir.file("troupe.db"), "account_parked:" + parked, true) == 1);
}

namespace {

// A decision recorded as posted at `posted_at_ms`, as the posting orchestrator records one.
void record_posted_decision(const std::string& url, const std::string& id, std::int64_t posted_at_ms) {
  auto db = store::database::open(url);
  REQUIRE(db.ok());
  store::content_decision decision;
  decision.decision_id = id;
  decision.account_id = "acct-0";
  decision.content = "text of " + id;
  decision.features_json = "{}";
  REQUIRE(store::insert_decision(*db, decision, posted_at_ms - 1000).ok());
  REQUIRE(store::set_decision_status(*db, id, store::decision_status::posting, std::nullopt, posted_at_ms - 500).ok());
  REQUIRE(store::record_post(*db, id, "sim-" + id, posted_at_ms).ok());
}

}  // namespace

TEST_CASE("the monitor raises no_post when nothing was posted for noPostHours while posting is allowed",
          "[ops][monitor][daemon]") {
  temp_dir dir;
  const std::string hours = "monitor: {noPostHours: 1}\n";
  running_daemon daemon(dir, dir.write("troupe.yaml", monitor_config(dir, hours)));
  const int port = daemon.port();
  const auto url = "sqlite:" + dir.file("troupe.db");

  // The last post was two hours ago, but posting is off (shadow mode): nothing is missing.
  record_posted_decision(url, "d-old", system_now_ms() - 2 * 3'600'000);
  run_monitor(port);
  CHECK(listed(port, "open").count("no_post") == 0);

  // Posting is switched on: two hours without a post is one too many.
  reload(port, dir, monitor_config(dir, hours + "flags: {mode: live, postingDisabled: false, livePosts: true}\n"));
  run_monitor(port);
  CHECK(listed(port, "open").count("no_post") == 1);

  // A post now ends it.
  record_posted_decision(url, "d-new", system_now_ms());
  run_monitor(port);
  CHECK(listed(port, "open").count("no_post") == 0);
  CHECK(listed(port, "resolved").count("no_post") == 1);
}
