// The content jobs inside a real `troupe run`, live against the fake LLM:
// GET /api/jobs, POST /admin/jobs/run, the job's log lines, and a reply
// through the reply pipeline's stages, approved through the action queue's
// API until the loop queues it.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>

#include "runtime/store/content_decisions.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/outcomes.hpp"
#include "runtime/store/reply_opportunities.hpp"
#include "runtime/system_clock.hpp"
#include "tests/aol_loop/loop_fixtures.hpp"
#include "tests/api/daemon_fixture.hpp"
#include "tests/llm/fake_server.hpp"
#include "tests/support/text.hpp"

using namespace troupe;
using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

std::string live_pipeline_config(const temp_dir& dir, const llm::testing::fake_llm_server& server) {
  return daemon_config(dir, 1, test_admin_token) +
         "flags: {mode: live}\n"
         "llm: {baseUrl: \"" +
         server.base_url() +
         "\", apiKeyEnv: TROUPE_TEST_PIPELINE_KEY}\n"
         "jobs: {plan: {everyMs: 3600000}, reply: {everyMs: 3600000}}\n"
         "aol: {tickMs: 100, proof: false}\n";
}

boost::json::array decisions(int port, const std::string& query) {
  return request(port, "GET", "/api/decisions?" + query).json().at("decisions").as_array();
}

// The runs of job `name` in GET /api/jobs.
boost::json::array runs_of(int port, const std::string& name) {
  const auto listed = request(port, "GET", "/api/jobs").json();
  for (const auto& job : listed.at("jobs").as_array()) {
    if (job.at("name") == name.c_str()) return job.at("runs").as_array();
  }
  return {};
}

bool run_finished(int port, const std::string& job, const std::string& run_id) {
  for (const auto& run : runs_of(port, job)) {
    if (run.at("run_id") == run_id.c_str()) return run.at("outcome") != "running";
  }
  return false;
}

// Runs `job` now through the admin endpoint and waits for the run to end.
void run_now(int port, const std::string& job) {
  CHECK(request(port, "POST", "/admin/jobs/run?job=" + job).status == 401);
  const auto started = request(port, "POST", "/admin/jobs/run?job=" + job, test_admin_token);
  REQUIRE(started.status == 202);
  const std::string run_id(started.json().at("run_id").as_string());
  REQUIRE(eventually([&] { return run_finished(port, job, run_id); }, 30s));
}

}  // namespace

TEST_CASE("troupe run plans live posts and replies on demand, and an approved reply is queued") {
  ::setenv("TROUPE_TEST_PIPELINE_KEY", "test-key", 1);  // the daemon inherits it
  llm::testing::fake_llm_server server;
  temp_dir dir;
  const auto config = dir.write("troupe.yaml", live_pipeline_config(dir, server));
  running_daemon daemon(dir, config);
  const int port = daemon.port();

  // Hourly jobs do not run at start: the operator runs one. A post per account (6), from the LLM.
  CHECK(decisions(port, "pipeline=plan").empty());
  run_now(port, "plan");
  REQUIRE(decisions(port, "pipeline=plan").size() == 6);
  for (const auto& decision : decisions(port, "pipeline=plan")) {
    CHECK(decision.at("generation_source") == "real");
  }
  CHECK(eventually([&] { return contains(daemon.process().output(), "[PLAN_JOB] generated decision_id="); }, 5s));
  CHECK(contains(daemon.process().output(), "status=queued scheduled_at="));
  const auto plan_runs = runs_of(port, "plan");
  REQUIRE_FALSE(plan_runs.empty());
  CHECK(plan_runs.at(0).at("outcome") == "succeeded");

  // A reply opportunity, then a run asked for by the operator.
  {
    auto db = store::database::open("sqlite:" + dir.file("troupe.db"));
    REQUIRE(db.ok());
    store::new_reply_opportunity found{"a1", "t-42", "author-7", "Our release is out, what do you think?", "",
                                       system_now_ms(), {}};
    REQUIRE(store::insert_opportunity(*db, found).ok());
  }
  // The reply pipeline's stages, each run once by the operator: harvesting
  // is off here, the planner plans, the scheduler schedules, the executor's
  // preflight finds the target and the reply waits for approval.
  run_now(port, "harvest");
  CHECK(runs_of(port, "harvest").at(0).at("summary") == "harvesting is off (HARVESTING_ENABLED=false)");
  run_now(port, "reply");
  CHECK(decisions(port, "status=planned&type=reply").size() == 1);
  run_now(port, "schedule");
  CHECK(decisions(port, "status=scheduled&type=reply").size() == 1);
  run_now(port, "execute");
  CHECK(contains(daemon.process().output(), "[RUNTIME_PREFLIGHT] timeout_ms=10000"));

  auto waiting = decisions(port, "status=awaiting_approval&type=reply");
  REQUIRE(waiting.size() == 1);
  const auto decision_id = std::string(waiting.at(0).at("decision_id").as_string());
  CHECK(waiting.at(0).at("target_post_id") == "t-42");
  REQUIRE(waiting.at(0).at("aol_action_id").is_int64());
  const auto action_id = waiting.at(0).at("aol_action_id").as_int64();
  const auto action_path = "/api/actions/" + std::to_string(action_id);
  REQUIRE(eventually([&] { return request(port, "GET", action_path).json().at("status") == "NEEDS_DECISION"; },
                     10s));

  REQUIRE(
      request(port, "PATCH", action_path, test_admin_token, R"({"decision":"approve"})").status ==
      200);
  CHECK(eventually(
      [&] { return request(port, "GET", "/api/decisions/" + decision_id).json().at("status") == "queued"; }, 10s));
  CHECK(contains(daemon.process().output(), "[APPROVAL] approved decision_id=" + decision_id));
  CHECK(server.count() >= 14);  // a chat and an embedding per post and for the reply
}

TEST_CASE("troupe run posts a due decision once through the queue when the switches allow, then collects and learns on demand") {
  temp_dir dir;
  const auto base = dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token));
  const auto ledger = dir.file("ledger.txt");
  const auto publishing = dir.write(
      "publishing.yaml",
      "flags: {mode: live, postingDisabled: false, livePosts: true, realMetricsEnabled: true}\n"
      "jobs: {plan: {enabled: false}, reply: {enabled: false}, posting: {everyMs: 3600000},"
      " collect: {everyMs: 3600000}, learn: {everyMs: 3600000}}\n"
      "aol: {tickMs: 100, proof: false}\n"
      "drivers:\n"
      "  logDir: \"" + dir.file("session-logs") + "\"\n"
      "  env: {SIM_DRIVER_TIME_SCALE: \"0.02\", SIM_DRIVER_LEDGER: \"" + ledger + "\"}\n");
  running_daemon daemon(dir, std::vector<std::string>{base, publishing});
  const int port = daemon.port();
  auto db = store::database::open("sqlite:" + dir.file("troupe.db"));
  REQUIRE(db.ok());
  store::content_decision decision;
  decision.decision_id = "due-1";
  decision.account_id = "a1";
  decision.content = "A post the operator's switches let through";
  decision.source = store::generation_source::real;
  REQUIRE(store::insert_decision(*db, decision, 1).ok());

  run_now(port, "posting");
  REQUIRE(eventually(
      [&] { return request(port, "GET", "/api/decisions/due-1").json().at("status") == "posted"; }, 15s));
  const auto posted = request(port, "GET", "/api/decisions/due-1").json();
  CHECK(posted.at("features").at("tweet_id").is_string());
  CHECK(aol::testing::lines_of(ledger) == std::vector<std::string>{"due-1"});
  CHECK(contains(daemon.process().output(), "[POSTING] posted decision_id=due-1"));

  run_now(port, "collect");
  auto outcomes = store::outcomes_of(*db, "due-1");
  REQUIRE(outcomes.ok());
  REQUIRE(outcomes->size() == 1);
  CHECK_FALSE(outcomes->front().simulated);
  run_now(port, "learn");
  CHECK(runs_of(port, "learn").at(0).at("summary") == "training skipped: insufficient real outcomes (need 5)");
  const auto metrics = request(port, "GET", "/api/metrics").json();
  CHECK(metrics.at("postsPosted") == 1);
  CHECK(metrics.at("outcomesWritten") == 1);
  CHECK(metrics.at("learnRuns") == 1);
}
