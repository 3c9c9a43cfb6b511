// job:cleanup's run against real files (their modification times set back)
// in a scratch directory and the queue of a scratch database, on SQLite and
// PostgreSQL: what goes, what stays (a running session's log, the artifact
// of an action still PROOFED, the operator's own files), what it logs.
#include "runtime/ops/cleanup_job.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_claims.hpp"
#include "runtime/store/migrations.hpp"
#include "runtime/store/sessions.hpp"
#include "runtime/system_clock.hpp"
#include "runtime/time_units.hpp"
#include "tests/aol/aol_fixtures.hpp"
#include "tests/support/captured_log.hpp"
#include "tests/support/command.hpp"

using namespace troupe;
using namespace troupe::aol::testing;
using store::testing::migrated_database;
using store::testing::test_backends;

namespace {

namespace fs = std::filesystem;

using troupe::time_units::day_ms;

// A file of `bytes` bytes last modified `age_ms` ago.
std::string aged_file(const fs::path& path, std::int64_t age_ms, std::size_t bytes = 10) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << std::string(bytes, 'x');
  fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::milliseconds(age_ms));
  return path.string();
}

struct cleanup_fixture {
  explicit cleanup_fixture(store::backend kind) : store(kind) {
    auto settings = std::make_shared<config::troupe_config>();
    settings->db.url = store.url();
    settings->drivers.log_dir = (dir.path() / "session-logs").string();
    settings->aol.data_dir = (dir.path() / "data").string();
    config = settings;
  }

  jobs::job_result run(std::int64_t now_ms) {
    jobs::job_run_context context{"cleanup", "cleanup-1", config, nullptr};
    return ops::run_cleanup(context, now_ms);
  }

  fs::path logs() const { return config->drivers.log_dir; }
  fs::path data() const { return config->aol.data_dir; }

  testing::temp_dir dir;
  migrated_database store;
  std::shared_ptr<const config::troupe_config> config;
};

void session_row(store::database& db, const std::string& id, const std::string& log_path,
                 std::int64_t started_ms, bool ended) {
  store::session_record session;
  session.session_id = id;
  session.account_id = "a1";
  session.pod = "alpha";
  session.activity = "follow";
  session.started_at_ms = started_ms;
  session.log_path = log_path;
  REQUIRE_OK(store::insert_session(db, session));
  if (ended)
    REQUIRE_OK(store::finish_session(db, id, started_ms + 60'000, 0, "success", std::nullopt));
}

// An action of key `key` finished (SUCCEEDED) at `at_ms`.
std::int64_t succeeded_at(store::database& db, const std::string& key, std::int64_t at_ms) {
  const auto queued = enqueued(db, request(key, 0, at_ms, 1), at_ms);
  const auto running = claimed_one(db, "worker", at_ms);
  REQUIRE(running.id == queued.id);
  REQUIRE(*store::complete_action(db, running.id, running.lease_token, at_ms));
  return queued.id;
}

bool exists(const std::string& path) { return fs::exists(path); }

bool queued(store::database& db, std::int64_t id) {
  auto loaded = store::load_action(db, id);
  REQUIRE_OK(loaded);
  return loaded->has_value();
}

}  // namespace

TEST_CASE(
    "cleanup removes old session logs, PROOF artifacts, report files and finished queue rows, and "
    "nothing else") {
  const store::backend kind = GENERATE(from_range(test_backends()));
  CAPTURE(kind);
  cleanup_fixture fx(kind);
  auto& db = fx.store.db();
  const auto now = system_now_ms();
  const auto old = 10 * day_ms;

  const auto ended_log = aged_file(fx.logs() / "s-ended.log", old, 1000);
  const auto running_log = aged_file(fx.logs() / "s-running.log", old);
  const auto fresh_log = aged_file(fx.logs() / "s-fresh.log", 6 * day_ms);
  const auto operator_notes = aged_file(fx.logs() / "notes.txt", old);
  const auto nested_log = aged_file(fx.logs() / "archive" / "s-nested.log", old);
  session_row(db, "s-ended", ended_log, now - old, true);
  session_row(db, "s-running", running_log, now - old, false);

  const auto old_artifact = aged_file(fx.data() / "proof" / "1-1.json", old, 200);
  const auto interrupted_write = aged_file(fx.data() / "proof" / "2-1.json.partial-4242", old, 5);
  const auto waiting_artifact = aged_file(fx.data() / "proof" / "3-1.json", old);
  const auto fresh_artifact = aged_file(fx.data() / "proof" / "4-1.json", day_ms);

  const auto old_json = aged_file(fx.data() / "reports" / "report-20260101T000000Z.json", old, 30);
  const auto old_text = aged_file(fx.data() / "reports" / "report-20260101T000000Z.txt", old, 12);
  const auto fresh_report = aged_file(fx.data() / "reports" / "report-20270101T000000Z.json", 0);
  const auto other_report = aged_file(fx.data() / "reports" / "summary.json", old);

  const auto old_done = succeeded_at(db, "old-done", now - 8 * day_ms);
  const auto recent_done = succeeded_at(db, "recent-done", now - 6 * day_ms);
  const auto old_cancelled =
      enqueued(db, request("old-cancelled", 0, now - 8 * day_ms), now - 8 * day_ms).id;
  REQUIRE(*store::cancel_action(db, old_cancelled, now - 8 * day_ms));
  const auto dead = enqueued(db, request("old-dead", 0, now - 9 * day_ms, 1), now - 9 * day_ms);
  const auto dead_run = claimed_one(db, "worker", now - 9 * day_ms);
  REQUIRE(*store::fail_action(db, dead_run.id, dead_run.lease_token, {"boom", 0, true},
                              now - 9 * day_ms) == store::failure_outcome::dead_lettered);
  const auto proofed = enqueued(db, request("proofed", 0, now - 9 * day_ms, 1), now - 9 * day_ms);
  const auto proof_run = claimed_one(db, "worker", now - 9 * day_ms);
  REQUIRE(*store::prove_action(db, proof_run.id, proof_run.lease_token, waiting_artifact,
                               now - 9 * day_ms));

  spdlog::set_level(spdlog::level::debug);
  testing::captured_log log;
  const auto outcome = fx.run(now);
  spdlog::set_level(spdlog::level::info);
  INFO(outcome.summary);
  CHECK(outcome.succeeded);
  CHECK(outcome.summary ==
        "removed 1 session logs (1000 bytes), 2 PROOF artifacts (205 bytes), 2 report files (42 "
        "bytes) and 2 queue "
        "rows; kept 2 files in use");

  for (const auto& gone : {ended_log, old_artifact, interrupted_write, old_json, old_text}) {
    CHECK_FALSE(exists(gone));
    CHECK(log.count("[CLEANUP] removed " + gone + " (") == 1);
  }
  for (const auto& kept : {running_log, fresh_log, operator_notes, nested_log, waiting_artifact,
                           fresh_artifact, fresh_report, other_report}) {
    CHECK(exists(kept));
  }
  CHECK(log.count("[CLEANUP] kept " + running_log + ": in use") == 1);
  CHECK(log.count("[CLEANUP] removed 1 session logs (1000 bytes)") == 1);

  CHECK_FALSE(queued(db, old_done));
  CHECK_FALSE(queued(db, old_cancelled));
  CHECK(queued(db, recent_done));
  CHECK(queued(db, dead.id));
  CHECK(queued(db, proofed.id));

  // A second run finds nothing more to do.
  const auto again = fx.run(now);
  CHECK(again.succeeded);
  CHECK(again.summary ==
        "removed 0 session logs (0 bytes), 0 PROOF artifacts (0 bytes), 0 report files (0 bytes) "
        "and 0 queue rows; "
        "kept 2 files in use");

  // Once the session has ended, its log goes like any other.
  REQUIRE_OK(store::finish_session(db, "s-running", now, 0, "success", std::nullopt));
  CHECK(fx.run(now).succeeded);
  CHECK_FALSE(exists(running_log));
}

TEST_CASE("cleanup protects a running session's log named by its id, whatever path its row holds") {
  const store::backend kind = GENERATE(from_range(test_backends()));
  CAPTURE(kind);
  cleanup_fixture fx(kind);
  const auto now = system_now_ms();
  // A daemon in another working directory stored a relative path.
  const auto running_log = aged_file(fx.logs() / "s-elsewhere.log", 10 * day_ms);
  session_row(fx.store.db(), "s-elsewhere", "session-logs/s-elsewhere.log", now - 10 * day_ms,
              false);
  const auto outcome = fx.run(now);
  CHECK(outcome.succeeded);
  CHECK(exists(running_log));
}

TEST_CASE("cleanup with no log, proof or reports directory yet has nothing to remove") {
  const store::backend kind = GENERATE(from_range(test_backends()));
  CAPTURE(kind);
  cleanup_fixture fx(kind);
  REQUIRE_FALSE(fs::exists(fx.data()));
  REQUIRE_FALSE(fs::exists(fx.logs()));
  const auto outcome = fx.run(system_now_ms());
  CHECK(outcome.succeeded);
  CHECK(outcome.summary ==
        "removed 0 session logs (0 bytes), 0 PROOF artifacts (0 bytes), 0 report files (0 bytes) "
        "and 0 queue rows; "
        "kept 0 files in use");
}

TEST_CASE("cleanup keeps files for cleanup.keepDays") {
  cleanup_fixture fx(store::backend::sqlite);
  auto changed = std::make_shared<config::troupe_config>(*fx.config);
  changed->cleanup.keep_days = 2;
  fx.config = changed;
  const auto two_days = aged_file(fx.logs() / "s-2d.log", 2 * day_ms - 60'000);
  const auto three_days = aged_file(fx.logs() / "s-3d.log", 3 * day_ms);
  CHECK(fx.run(system_now_ms()).succeeded);
  CHECK(exists(two_days));
  CHECK_FALSE(exists(three_days));
}

TEST_CASE(
    "cleanup without its database fails and removes nothing: it could not tell which sessions "
    "run") {
  cleanup_fixture fx(store::backend::sqlite);
  auto changed = std::make_shared<config::troupe_config>(*fx.config);
  changed->db.url = "sqlite:" + (fx.dir.path() / "no-such-directory" / "troupe.db").string();
  fx.config = changed;
  const auto old_log = aged_file(fx.logs() / "s-old.log", 30 * day_ms);
  const auto outcome = fx.run(system_now_ms());
  CHECK_FALSE(outcome.succeeded);
  CHECK_FALSE(outcome.summary.empty());
  CHECK(exists(old_log));
}
