// job:cleanup inside a real `troupe run`, run once by the operator through
// POST /admin/jobs/run: old files and finished queue rows go, the log of the
// session running at that moment stays (its modification time set back ten
// days while it runs), and the run shows in GET /api/jobs and job_last_runs.
// The daemon drains at the end: its hanging session is stopped after the
// 30 s grace period, so the case takes about 35 s.
#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_claims.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/job_runs.hpp"
#include "runtime/store/migrations.hpp"
#include "runtime/system_clock.hpp"
#include "runtime/time_units.hpp"
#include "tests/api/daemon_fixture.hpp"

using namespace troupe;
using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

using troupe::time_units::day_ms;

void age(const fs::path& path, std::int64_t age_ms) {
  fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::milliseconds(age_ms));
}

std::string old_file(const fs::path& path, std::int64_t age_ms) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << "old\n";
  age(path, age_ms);
  return path.string();
}

store::database open_store(const temp_dir& dir) {
  auto db = store::database::open("sqlite:" + dir.file("troupe.db"));
  if (!db) throw std::runtime_error(db.failure().message);
  return std::move(db).value();
}

// An action that SUCCEEDED eight days ago, in a database migrated before the daemon starts.
std::int64_t old_finished_action(store::database& db) {
  const auto then = system_now_ms() - 8 * day_ms;
  REQUIRE(store::migrate(db).ok());
  store::new_action request;
  request.type = "NOTIFY";
  request.idempotency_key = "finished-long-ago";
  request.run_at_ms = then;
  auto queued = store::enqueue_action(db, request, then);
  REQUIRE(queued.ok());
  auto claimed = store::claim_due_actions(db, "test", then, 60'000, 1);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->size() == 1);
  REQUIRE(*store::complete_action(db, claimed->front().id, claimed->front().lease_token, then));
  return queued->queued.id;
}

bool action_exists(store::database& db, std::int64_t id) {
  auto loaded = store::load_action(db, id);
  REQUIRE(loaded.ok());
  return loaded->has_value();
}

// The id of a session the daemon is running now.
std::optional<std::string> running_session(int port) {
  const auto listed = request(port, "GET", "/api/sessions").json();
  for (const auto& session : listed.at("sessions").as_array()) {
    if (session.at("ended_at").is_null()) return std::string(session.at("id").as_string());
  }
  return std::nullopt;
}

// The cleanup run `run_id` as GET /api/jobs shows it once it has ended.
std::optional<boost::json::object> ended_cleanup_run(int port, const std::string& run_id) {
  const auto listed = request(port, "GET", "/api/jobs").json();
  for (const auto& job : listed.at("jobs").as_array()) {
    if (job.at("name") != "cleanup") continue;
    for (const auto& run : job.at("runs").as_array()) {
      if (run.at("run_id") == run_id.c_str() && run.at("outcome") != "running")
        return run.as_object();
    }
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE(
    "troupe run's cleanup job removes old files and finished queue rows and never a running "
    "session's log") {
  temp_dir dir;
  auto db = open_store(dir);
  const auto finished_action = old_finished_action(db);
  const auto logs = dir.path() / "session-logs";
  const auto data = dir.path() / "data";
  const auto old_log = old_file(logs / "s-long-ago.log", 10 * day_ms);
  const auto old_artifact = old_file(data / "proof" / "9-1.json", 10 * day_ms);
  const auto old_report = old_file(data / "reports" / "report-20260101T000000Z.json", 10 * day_ms);
  const auto recent_report = old_file(data / "reports" / "report-20260102T000000Z.txt", 3 * day_ms);

  const auto base = dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token));
  // Every session hangs: one is running whenever the cleanup runs.
  const auto ops = dir.write(
      "ops.yaml", "aol: {tickMs: 100, dataDir: \"" + data.string() +
                      "\"}\n"
                      "cleanup: {keepDays: 7}\n"
                      "drivers:\n"
                      "  logDir: \"" +
                      logs.string() +
                      "\"\n"
                      "  env: {SIM_DRIVER_TIME_SCALE: \"0.02\", SIM_DRIVER_P_HANG: \"1\"}\n");
  running_daemon daemon(dir, std::vector<std::string>{base, ops});
  const int port = daemon.port();

  std::optional<std::string> running;
  REQUIRE(eventually([&] { return (running = running_session(port)).has_value(); }, 30s));
  const auto running_log = logs / (*running + ".log");
  REQUIRE(eventually([&] { return fs::exists(running_log); }, 10s));
  age(running_log, 10 * day_ms);
  // The AOL loop's ticks leave the finished action to the cleanup job.
  std::this_thread::sleep_for(1s);
  CHECK(action_exists(db, finished_action));

  CHECK(request(port, "POST", "/admin/jobs/run?job=cleanup").status == 401);
  const auto started = request(port, "POST", "/admin/jobs/run?job=cleanup", test_admin_token);
  REQUIRE(started.status == 202);
  const std::string run_id(started.json().at("run_id").as_string());
  std::optional<boost::json::object> run;
  REQUIRE(eventually([&] { return (run = ended_cleanup_run(port, run_id)).has_value(); }, 30s));
  INFO(boost::json::serialize(*run));
  CHECK(run->at("outcome") == "succeeded");
  CHECK(run->at("summary") ==
        "removed 1 session logs (4 bytes), 1 PROOF artifacts (4 bytes), 1 report files (4 bytes) "
        "and 1 queue rows; "
        "kept 1 file in use");

  CHECK(fs::exists(running_log));
  CHECK(running_session(port) == running);  // still running
  CHECK_FALSE(fs::exists(old_log));
  CHECK_FALSE(fs::exists(old_artifact));
  CHECK_FALSE(fs::exists(old_report));
  CHECK(fs::exists(recent_report));
  CHECK_FALSE(action_exists(db, finished_action));
  CHECK(eventually(
      [&] {
        return daemon.process().output().find("[CLEANUP] removed 1 session logs") !=
               std::string::npos;
      },
      5s));

  auto recorded = store::load_job_runs(db);
  REQUIRE(recorded.ok());
  const auto found =
      std::find_if(recorded->begin(), recorded->end(),
                   [](const store::job_last_run& last) { return last.job == "cleanup"; });
  REQUIRE(found != recorded->end());
  CHECK(found->run_id == run_id);
  CHECK(found->succeeded);

  // The hanging session is stopped by the drain (after its 30 s grace), not
  // left behind by a daemon killed when the fixture gives up waiting.
  daemon.process().signal(SIGTERM);
  CHECK(daemon.process().wait(60s) == 0);
}
