// Publishing and learning end to end, on virtual time, with the real
// simulated driver as the platform (its ledger holds one line per post that
// reached it) and fake-llm as the LLM: the plan job, the posting
// orchestrator and the queue, the collector and the learn job, each run as
// the daemon runs them, only on a virtual clock. On SQLite and PostgreSQL.
#include <cstring>
#include <set>

#include "runtime/pipeline/content_jobs.hpp"
#include "runtime/pipeline/outcome_jobs.hpp"
#include "runtime/store/bandit_arms.hpp"
#include "runtime/store/outcomes.hpp"
#include "tests/llm/fake_server.hpp"
#include "tests/pipeline/posting_fixture.hpp"

using namespace troupe;
using namespace troupe::pipeline::testing;
using troupe::store::testing::test_backends;

namespace {

constexpr const char* key_variable = "TROUPE_TEST_E2E_KEY";
constexpr std::int64_t day_ms = 24 * 3'600'000LL;
constexpr int cycles_allowed = 40;  // plenty: a cycle may plan nothing the gates pass

struct e2e_fixture : posting_fixture {
  explicit e2e_fixture(backend kind) : posting_fixture(kind) {
    config.pods = {{"alpha", {"acct-1"}, "", {}}};
    config.llm.base_url = llm_server.base_url();
    config.llm.api_key_env = key_variable;
    config.llm.max_retries = 0;
    shared_config = std::make_shared<const config::troupe_config>(config);
    const config::environment_lookup lookup = [](const char* name) -> const char* {
      return std::strcmp(name, key_variable) == 0 ? "test-key" : nullptr;
    };
    pipeline::pipeline_services plan_services;
    plan_services.llm = pipeline::llm_service::create(config, [this] { return current_flags(); }, lookup);
    plan_services.flags = services.flags;
    plan_services.now_ms = clock.function();
    plan_services.seed = 11;
    plan_services.driver_program = SIM_DRIVER_BINARY;
    job_bodies = pipeline::content_jobs(std::move(plan_services));
  }

  config::flags_config current_flags() {
    std::lock_guard<std::mutex> lock(flags_mutex);
    return flags;
  }
  jobs::job_result run_job(const std::string& name) {
    // Run ids are unique in the daemon; a run draws its decision ids from its id.
    const auto run_id = name + "-" + std::to_string(++runs);
    auto result = job_bodies.at(name)({name, run_id, shared_config, std::make_shared<driver::cancel_token>()});
    INFO(name << ": " << result.summary);
    CHECK(result.succeeded);
    return result;
  }
  // One day of the daemon's work: plan, then, once the planned slot has come,
  // the orchestrator and a tick of the queue, then the collector.
  void live_a_day(aol::tick_runner& runner) {
    run_job("plan");
    clock.advance(day_ms);
    run_job("posting");
    tick(runner);
    run_job("collect");
  }
  std::vector<std::string> posted_ids() {
    return column_of(db(), "SELECT decision_id FROM posted_decisions");
  }
  std::vector<content_decision> with_status(decision_status status) {
    decision_filter filter;
    filter.status = status;
    auto listed = list_decisions(db(), filter, {max_decision_page, 0});
    REQUIRE_OK(listed);
    return listed->decisions;
  }
  double arm_evidence(const std::string& scope) {  // alpha + beta over the scope's arms
    auto arms = store::load_bandit_arms(db(), scope);
    REQUIRE_OK(arms);
    double sum = 0;
    for (const auto& arm : *arms) sum += arm.alpha + arm.beta;
    return sum;
  }

  llm::testing::fake_llm_server llm_server;
  jobs::job_catalog job_bodies;
  int runs = 0;
};

config::flags_config live(bool posting_disabled, bool real_metrics) {
  auto flags = switches("live", posting_disabled, true);
  flags.real_metrics_enabled = real_metrics;
  flags.min_post_interval_minutes = 10;
  return flags;
}

}  // namespace

TEST_CASE("live end to end: planned, kept while posting is disabled, posted once through the queue, real outcomes learned from 5 on") {
  const backend kind = GENERATE(from_range(test_backends()));
  e2e_fixture fx(kind);
  captured_log log;
  auto runner = fx.runner();
  fx.set_flags(live(true, true));
  for (int cycle = 0; cycle < cycles_allowed && fx.with_status(decision_status::queued).empty(); ++cycle) {
    fx.run_job("plan");
  }
  const auto queued = fx.with_status(decision_status::queued);
  REQUIRE_FALSE(queued.empty());
  const auto first = queued.front();
  CHECK(first.source == generation_source::real);
  fx.clock.advance(day_ms);
  fx.run_job("posting");
  CHECK(log.count("[POSTING_ORCHESTRATOR] skipped decision_id=" + first.decision_id + " reason=posting_disabled") == 1);
  CHECK(fx.decision(first.decision_id).status == decision_status::queued);

  fx.set_flags(live(false, true));
  fx.run_job("posting");
  fx.tick(runner);
  CHECK(fx.decision(first.decision_id).status == decision_status::posted);
  fx.run_job("collect");
  auto outcomes = store::outcomes_of(fx.db(), first.decision_id);
  REQUIRE_OK(outcomes);
  REQUIRE(outcomes->size() == 1);
  CHECK_FALSE(outcomes->front().simulated);
  CHECK(fx.run_job("learn").summary == "training skipped: insufficient real outcomes (need 5)");

  for (int cycle = 0; cycle < cycles_allowed && fx.posted_ids().size() < 5; ++cycle) fx.live_a_day(runner);
  const auto posted = fx.posted_ids();
  REQUIRE(posted.size() >= 5);
  const double evidence_before = fx.arm_evidence("plan:content");
  const auto learned = fx.run_job("learn").summary;
  CHECK_THAT(learned, Catch::Matchers::StartsWith("arms_trained="));
  CHECK_THAT(learned, Catch::Matchers::Contains("coeffs_updated=v1"));
  // Each rewarded decision adds one unit of evidence (reward + 1 - reward) to its arm.
  CHECK(fx.arm_evidence("plan:content") == Approx(evidence_before + static_cast<double>(posted.size())));
  CHECK(fx.count("SELECT COUNT(*) FROM outcomes WHERE simulated = 1") == 0);

  // The platform saw each post exactly once.
  const auto ledger = lines_of(ledger_path(fx.dir.path()));
  CHECK(ledger.size() == posted.size());
  CHECK(std::set<std::string>(ledger.begin(), ledger.end()) == std::set<std::string>(posted.begin(), posted.end()));
}

TEST_CASE("shadow end to end: kept while in shadow, posted once in a live window, then simulated outcomes teach the arms") {
  const backend kind = GENERATE(from_range(test_backends()));
  e2e_fixture fx(kind);
  captured_log log;
  auto runner = fx.runner();
  fx.set_flags(switches("shadow", true, false));
  fx.run_job("plan");
  const auto shadow_made = fx.with_status(decision_status::queued);
  REQUIRE_FALSE(shadow_made.empty());
  CHECK(shadow_made.front().source == generation_source::synthetic);
  fx.clock.advance(day_ms);
  fx.run_job("posting");
  CHECK(log.count("[POSTING_ORCHESTRATOR] skipped decision_id=" + shadow_made.front().decision_id +
                  " reason=shadow_mode") == 1);
  CHECK(fx.decision(shadow_made.front().decision_id).status == decision_status::queued);

  // The switches on: what shadow mode wrote without the LLM is never
  // published; what the LLM writes now is, once each.
  fx.set_flags(live(false, false));
  for (int cycle = 0; cycle < cycles_allowed && fx.posted_ids().size() < 5; ++cycle) fx.live_a_day(runner);
  CHECK(fx.decision(shadow_made.front().decision_id).status == decision_status::skipped);
  const auto posted = fx.posted_ids();
  REQUIRE(posted.size() >= 5);
  CHECK(fx.count("SELECT COUNT(*) FROM outcomes") == 0);  // live without REAL_METRICS_ENABLED makes none up
  CHECK(lines_of(ledger_path(fx.dir.path())).size() == posted.size());

  fx.set_flags(switches("shadow", true, false));
  fx.run_job("collect");
  // Each post's first outcome, and the later horizons of the older posts.
  CHECK(fx.count("SELECT COUNT(DISTINCT decision_id) FROM outcomes WHERE simulated = 1") ==
        static_cast<long long>(posted.size()));
  CHECK(fx.count("SELECT COUNT(*) FROM outcomes WHERE simulated = 0") == 0);
  const double evidence_before = fx.arm_evidence("plan:content");
  CHECK_THAT(fx.run_job("learn").summary, Catch::Matchers::Contains("coeffs_updated=v1"));
  CHECK(fx.arm_evidence("plan:content") == Approx(evidence_before + static_cast<double>(posted.size())));
  CHECK(log.count("[LEARN_JOB] arms_trained=") == 1);
}
