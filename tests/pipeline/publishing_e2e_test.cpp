// Publishing and learning end to end, on virtual time, with the real
// simulated driver as the platform (its ledger holds one line per post that
// reached it) and fake-llm as the LLM: the plan job, the posting
// orchestrator and the queue, the collector and the learn job, each run as
// the daemon runs them, only on a virtual clock. On SQLite and PostgreSQL.
#include <set>

#include "runtime/store/bandit_arms.hpp"
#include "runtime/store/outcomes.hpp"
#include "tests/pipeline/pipeline_e2e_fixture.hpp"

using namespace troupe;
using namespace troupe::pipeline::testing;
using troupe::store::testing::test_backends;

namespace {

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
