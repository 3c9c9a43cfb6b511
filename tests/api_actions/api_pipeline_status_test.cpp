// The reply pipeline's report on a database in a known state: `troupe diag
// --json` and `troupe diag` read it without a daemon, GET
// /api/pipeline-status serves it from a real `troupe run`; both give the
// same numbers and judge each stage the same way.
//
// The rows are stored relative to the test's wall clock, which the daemon
// and the command judge them by.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>

#include "runtime/store/content_decisions.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/harvester_accounts.hpp"
#include "runtime/store/job_runs.hpp"
#include "runtime/store/migrations.hpp"
#include "runtime/store/posted_decisions.hpp"
#include "runtime/store/reply_opportunities.hpp"
#include "runtime/system_clock.hpp"
#include "runtime/time_units.hpp"
#include "tests/api/daemon_fixture.hpp"
#include "tests/support/command.hpp"
#include "tests/support/text.hpp"

using namespace troupe;
using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

using troupe::time_units::minute_ms;
constexpr std::int64_t hour_ms = 60 * minute_ms;

void require(const status& done) {
  INFO((done ? std::string() : done.failure().message));
  REQUIRE(done.ok());
}

std::int64_t opportunity(store::database& db, const std::string& account, const std::string& target,
                         std::int64_t posted_at_ms, std::int64_t now_ms) {
  store::new_reply_opportunity found;
  found.account_id = account;
  found.target_post_id = target;
  found.discovered_at_ms = now_ms;
  found.metrics.posted_at_ms = posted_at_ms;
  auto id = store::insert_opportunity(db, found);
  REQUIRE(id.ok());
  REQUIRE(id->has_value());
  return **id;
}

// A reply taken from `target`'s opportunity, planned.
void planned_reply(store::database& db, const std::string& id, std::int64_t opportunity_id, std::int64_t now_ms) {
  REQUIRE(store::take_opportunity(db, opportunity_id, id, now_ms).ok());
  store::content_decision decision;
  decision.decision_id = id;
  decision.account_id = "a1";
  decision.type = store::decision_type::reply;
  decision.source = store::generation_source::real;
  decision.content = "reply " + id;
  decision.status = store::decision_status::planned;
  decision.pipeline_source = "reply_v2_planner";
  require(store::insert_decision(db, decision, now_ms));
}

void scheduled(store::database& db, const std::string& id, std::int64_t at_ms) {
  auto moved = store::schedule_decision(db, id, at_ms, "reply_v2_scheduler", at_ms);
  REQUIRE(moved.ok());
  REQUIRE(*moved);
}

// A preflight answered `answer` for reply `id`, claimed at `at_ms`.
void preflighted(store::database& db, const std::string& id, const std::string& answer, std::int64_t at_ms) {
  scheduled(db, id, at_ms);
  auto claimed = store::claim_scheduled_replies(db, at_ms, 10, at_ms);
  REQUIRE(claimed.ok());
  REQUIRE(store::record_preflight(db, id, answer, at_ms).ok());
}

// The known state: three opportunities (2 h, 18 h and 30 h old), an account
// not logged in, a reply of each stage, two failed preflights after the ok
// one that was posted, a planner idle for 40 minutes and an executor whose
// last run failed.
void store_known_state(store::database& db, std::int64_t now) {
  const auto young = opportunity(db, "a1", "t-young", now - 2 * hour_ms, now);
  const auto middle = opportunity(db, "a1", "t-middle", now - 18 * hour_ms, now);
  const auto old = opportunity(db, "a2", "t-old", now - 30 * hour_ms, now);
  const auto gone = opportunity(db, "a1", "t-gone", now - hour_ms, now);
  const auto slow = opportunity(db, "a1", "t-slow", now - hour_ms, now);
  const auto posted = opportunity(db, "a1", "t-posted", now - 3 * hour_ms, now);
  (void)young;
  planned_reply(db, "r-planned", middle, now);
  planned_reply(db, "r-due", old, now);
  scheduled(db, "r-due", now - 10 * minute_ms);
  planned_reply(db, "r-posted", posted, now - 3 * hour_ms);
  preflighted(db, "r-posted", "ok", now - 3 * hour_ms);
  require(store::set_decision_status(db, "r-posted", store::decision_status::queued, std::nullopt, now - 3 * hour_ms));
  require(store::set_decision_status(db, "r-posted", store::decision_status::posting, std::nullopt, now - 3 * hour_ms));
  REQUIRE(store::record_post(db, "r-posted", "platform-77", now - 2 * hour_ms).ok());
  planned_reply(db, "r-gone", gone, now - 2 * hour_ms);
  preflighted(db, "r-gone", "deleted", now - 2 * hour_ms);
  planned_reply(db, "r-slow", slow, now - hour_ms);
  preflighted(db, "r-slow", "timeout", now - hour_ms);
  require(store::record_whoami(db, "a2", false, "whoami: logged_in=false", now - 30 * minute_ms));
  require(store::record_job_run(db, {"harvest", "harvest-9", now - minute_ms, now - minute_ms, true, "harvested 1", std::nullopt}));
  require(store::record_job_run(db, {"reply", "reply-9", now - 40 * minute_ms, now - 40 * minute_ms, true, "queued 1", std::nullopt}));
  require(store::record_job_run(db, {"schedule", "schedule-9", now - minute_ms, now - minute_ms, true, "scheduled 1", std::nullopt}));
  require(store::record_job_run(db, {"execute", "execute-9", now - minute_ms, now - minute_ms, false, "database is locked", std::nullopt}));
}

const boost::json::object& stage_of(const boost::json::object& report, const std::string& name) {
  for (const auto& stage : report.at("stages").as_array()) {
    if (stage.at("stage").as_string() == name) return stage.as_object();
  }
  FAIL("no stage " << name);
  throw std::logic_error("unreachable");
}

std::string reasons_of(const boost::json::object& stage) {
  std::string all;
  for (const auto& reason : stage.at("reasons").as_array()) all += std::string(reason.as_string()) + "\n";
  return all;
}

// What both the command and the API must say of the known state.
void check_known_report(const boost::json::object& report) {
  INFO(boost::json::serialize(report));
  CHECK(report.at("status") == "needs_attention");
  const auto& o = report.at("opportunities").as_object();
  CHECK(o.at("total") == 6);
  CHECK(o.at("fresh_24h") == 1);  // t-young: the others are taken, or too old
  CHECK(o.at("fresh_12h") == 1);
  CHECK(o.at("oldest").is_string());
  std::map<std::pair<std::string, std::string>, std::int64_t> decisions;
  for (const auto& row : report.at("decisions").as_array()) {
    decisions[{std::string(row.at("pipeline_source").as_string()), std::string(row.at("status").as_string())}] =
        row.at("count").as_int64();
  }
  CHECK(decisions == std::map<std::pair<std::string, std::string>, std::int64_t>{
                         {{"reply_v2_planner", "planned"}, 1},
                         {{"reply_v2_scheduler", "scheduled"}, 1},
                         {{"reply_v2_scheduler", "posted"}, 1},
                         {{"reply_v2_scheduler", "posting_attempt"}, 2}});
  const auto& preflight = report.at("preflight").as_object();
  CHECK(preflight.at("ok") == 1);
  CHECK(preflight.at("deleted") == 1);
  CHECK(preflight.at("timeout") == 1);
  CHECK(report.at("last_reply_success").at("decision_id") == "r-posted");
  CHECK(report.at("last_reply_success").at("post_id") == "platform-77");
  REQUIRE(report.at("auth_required").as_array().size() == 1);
  CHECK(report.at("auth_required").at(0).at("account_id") == "a2");

  const auto& harvester = stage_of(report, "harvester");
  CHECK(harvester.at("status") == "needs_attention");
  CHECK(contains(reasons_of(harvester), "auth required: a2"));
  CHECK(harvester.at("last_run").at("summary") == "harvested 1");
  const auto& planner = stage_of(report, "planner");
  CHECK(planner.at("status") == "needs_attention");
  CHECK(contains(reasons_of(planner), "idle for 40 min, more than 2 intervals of 15 min"));
  CHECK(stage_of(report, "scheduler").at("status") == "going_well");
  const auto& executor = stage_of(report, "executor");
  CHECK(executor.at("status") == "needs_attention");
  const auto executor_reasons = reasons_of(executor);
  CHECK(contains(executor_reasons, "1 scheduled replies are due and nothing was claimed in 5 min"));
  CHECK_FALSE(contains(executor_reasons, "no ok preflight"));  // the ok one is among the last 10
  CHECK(contains(executor_reasons, "its last run failed: database is locked"));
}

// The one JSON line of a command's output (stderr, interleaved, may hold
// config warnings), or "" when there is none.
std::string json_line(const std::string& output) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.front() == '{') return line;
  }
  return "";
}

}  // namespace

TEST_CASE("troupe diag and GET /api/pipeline-status report the reply pipeline of a database in a known state") {
  temp_dir dir;
  const auto config = dir.write("troupe.yaml", daemon_config(dir, 1, ""));
  const std::string url = "sqlite:" + dir.file("troupe.db");
  {
    auto db = store::database::open(url);
    REQUIRE(db.ok());
    REQUIRE(store::migrate(*db).ok());
    store_known_state(*db, system_now_ms());
  }

  const auto json_run = run_command({TROUPE_BINARY, "diag", "--json", "--config", config}, dir, 30s);
  CHECK(json_run.exit_code == 0);
  INFO(json_run.output);
  boost::json::error_code problem;
  const auto parsed = boost::json::parse(json_line(json_run.output), problem);
  REQUIRE_FALSE(problem);
  check_known_report(parsed.as_object());

  const auto text_run = run_command({TROUPE_BINARY, "diag", "--config", config}, dir, 30s);
  CHECK(text_run.exit_code == 0);
  INFO(text_run.output);
  CHECK(contains(text_run.output, "reply pipeline: needs_attention"));
  CHECK(contains(text_run.output, "opportunities: total 6, fresh 24h 1, fresh 12h 1"));
  CHECK(contains(text_run.output, "reply_v2_scheduler   posting_attempt    2"));
  CHECK(contains(text_run.output, "preflight answers: deleted=1 ok=1 timeout=1"));
  CHECK(contains(text_run.output, "last REPLY_SUCCESS: "));
  CHECK(contains(text_run.output, "decision r-posted post platform-77"));
  CHECK(contains(text_run.output, "auth required: a2"));
  CHECK(contains(text_run.output, "- its last run failed: database is locked"));

  running_daemon daemon(dir, config);
  const auto served = request(daemon.port(), "GET", "/api/pipeline-status");
  REQUIRE(served.status == 200);
  check_known_report(served.json().as_object());
}
