// What became of the posts and learning from it, on virtual time, with the
// real simulated driver as the platform: decisions are posted through the
// queue, then the collector reads their metrics (live mode, only with
// REAL_METRICS_ENABLED) or writes simulated outcomes (shadow mode), and the
// learn job rewards the arms and trains versioned predictors — in live mode
// from real outcomes only, and not at all with fewer than 5. On SQLite and
// PostgreSQL.
#include "runtime/content/learning.hpp"
#include "runtime/pipeline/outcome_jobs.hpp"
#include "runtime/store/bandit_arms.hpp"
#include "runtime/store/outcomes.hpp"
#include "runtime/store/posted_decisions.hpp"
#include "tests/pipeline/posting_fixture.hpp"

using namespace troupe;
using namespace troupe::pipeline::testing;
using troupe::store::testing::test_backends;

namespace {

constexpr std::int64_t hour_ms = 3'600'000;

// The posting fixture with the collector and the learn job on its clock and flags.
struct outcome_fixture : posting_fixture {
  explicit outcome_fixture(backend kind) : posting_fixture(kind) {
    outcome_services.flags = services.flags;
    outcome_services.now_ms = clock.function();
    outcome_services.seed = 7;
  }

  // Posts `count` decisions of `account`, one a run, with their arms set.
  void post(int count, const std::string& account = "acct-1") {
    set_flags(posting_on());
    auto runner = this->runner();
    for (int i = 0; i < count; ++i) {
      const auto id = account + "-d" + std::to_string(posted_);
      ++posted_;
      add_decision(id, account);
      const std::string features = R"({"quality":{"score":0.8},"uniqueness":{"score":0.3}})";
      store::execute(db().session(),
                     "UPDATE content_metadata SET bandit_arm = 'craft-tip', timing_arm = '09:00',"
                     " pipeline_source = 'plan', features = :features WHERE decision_id = :id",
                     soci::use(features), soci::use(id));
      orchestrate();
      tick(runner);
      REQUIRE(decision(id).status == decision_status::posted);
      clock.advance(60 * 60'000);  // clear of every rate limit
    }
  }
  jobs::job_result collect() { return run(pipeline::run_collect, "collect"); }
  jobs::job_result learn() { return run(pipeline::run_learn, "learn"); }

  jobs::job_result run(jobs::job_result (*body)(const jobs::job_run_context&, const pipeline::outcome_services&),
                       const char* name) {
    auto result = body({name, "run-1", shared_config, std::make_shared<driver::cancel_token>()}, outcome_services);
    INFO(result.summary);
    CHECK(result.succeeded);
    return result;
  }
  std::vector<store::outcome> outcomes() {
    std::vector<store::outcome> all;
    for (const auto& decision_id : column_of(db(), "SELECT decision_id FROM content_metadata ORDER BY created_at")) {
      auto rows = store::outcomes_of(db(), decision_id);
      REQUIRE_OK(rows);
      all.insert(all.end(), rows->begin(), rows->end());
    }
    return all;
  }
  // The stored arm, or the Beta(1, 1) prior the plan job reads for an arm
  // never stored.
  store::bandit_arm arm(const std::string& scope, const std::string& name) {
    auto arms = store::load_bandit_arms(db(), scope);
    REQUIRE_OK(arms);
    for (const auto& found : *arms) {
      if (found.arm == name) return found;
    }
    return {scope, name, store::bandit_kind::thompson, 1, 1, 0, 0, 0};
  }

  pipeline::outcome_services outcome_services;

 private:
  int posted_ = 0;
};

config::flags_config live_with_metrics(bool real_metrics) {
  auto flags = posting_on();
  flags.real_metrics_enabled = real_metrics;
  return flags;
}

}  // namespace

TEST_CASE("in live mode the collector reads the driver's metrics once per horizon, and nothing without REAL_METRICS_ENABLED") {
  const backend kind = GENERATE(from_range(test_backends()));
  outcome_fixture fx(kind);
  captured_log log;
  fx.post(1);
  fx.set_flags(live_with_metrics(false));
  CHECK(fx.collect().summary == "collected nothing: real_metrics_disabled");
  CHECK(fx.outcomes().empty());

  fx.set_flags(live_with_metrics(true));
  CHECK(fx.collect().summary == "collected 1, failed 0");
  auto rows = fx.outcomes();
  REQUIRE(rows.size() == 1);
  const auto& first = rows.front();
  CHECK(first.horizon == "first");
  CHECK_FALSE(first.simulated);
  CHECK(first.post_id == *platform_post_id(fx.db(), "acct-1-d0").value());
  const content::post_metrics counts{first.impressions, first.likes,     first.retweets,
                                     first.replies,     first.bookmarks, first.quotes};
  CHECK(first.er_calculated == Approx(content::engagement_rate(counts)));
  CHECK(log.count("[ANALYTICS_COLLECTOR] stored outcome decision_id=acct-1-d0 er=") == 1);

  CHECK(fx.collect().summary == "collected 0, failed 0");  // nothing due until the 24 h horizon
  fx.clock.advance(24 * hour_ms);
  CHECK(fx.collect().summary == "collected 1, failed 0");
  rows = fx.outcomes();
  REQUIRE(rows.size() == 2);
  CHECK(rows.back().horizon == "24h");
}

TEST_CASE("shadow mode writes simulated outcomes that a live-mode learn never reads") {
  const backend kind = GENERATE(from_range(test_backends()));
  outcome_fixture fx(kind);
  captured_log log;
  fx.post(5);
  fx.set_flags(switches("shadow", true, false));
  CHECK(fx.collect().summary == "simulated 5, failed 0");
  const auto rows = fx.outcomes();
  REQUIRE(rows.size() == 5);
  for (const auto& row : rows) {
    CHECK(row.simulated);
    CHECK(row.impressions > 0);
  }

  fx.set_flags(live_with_metrics(true));
  CHECK(fx.learn().summary == "training skipped: insufficient real outcomes (need 5)");
  CHECK(log.count("[LEARN_JOB] training skipped: insufficient real outcomes (need 5)") == 1);
  CHECK(fx.count("SELECT COUNT(*) FROM bandit_arms") == 0);
  CHECK(fx.count("SELECT COUNT(*) FROM strategy_rewards") == 0);
  auto predictor = store::latest_predictor(fx.db(), store::content_predictor);
  REQUIRE_OK(predictor);
  CHECK_FALSE(predictor->has_value());

  fx.set_flags(switches("shadow", true, false));
  const auto learned = fx.learn().summary;
  CHECK(learned == "arms_trained=2 coeffs_updated=v1 samples=5");
  CHECK(fx.arm("plan:content", "craft-tip").alpha > 1);
  CHECK(log.count("[LEARN_JOB] arms_trained=2 coeffs_updated=v1") == 1);
}

TEST_CASE("learning in live mode rewards each decision once from real outcomes and versions the predictors") {
  const backend kind = GENERATE(from_range(test_backends()));
  outcome_fixture fx(kind);
  fx.post(4);
  fx.set_flags(live_with_metrics(true));
  fx.collect();
  CHECK(fx.learn().summary == "training skipped: insufficient real outcomes (need 5)");

  fx.post(2);
  fx.set_flags(live_with_metrics(true));
  fx.collect();
  const auto rows = fx.outcomes();
  REQUIRE(rows.size() == 6);
  double reward_sum = 0;
  double alpha_gain = 0;
  for (const auto& row : rows) {
    const double reward = content::reward_of(row.er_calculated);
    reward_sum += reward;
    alpha_gain += reward;
  }
  const auto before = fx.arm("plan:content", "craft-tip");
  CHECK(fx.learn().summary == "arms_trained=2 coeffs_updated=v1 samples=6");
  const auto after = fx.arm("plan:content", "craft-tip");
  CHECK(after.alpha == Approx(before.alpha + alpha_gain));
  CHECK(after.beta == Approx(before.beta + 6 - alpha_gain));
  CHECK(after.reward_sum == Approx(reward_sum));
  CHECK(fx.arm("plan:timing:acct-1", "09:00").reward_sum == Approx(reward_sum));
  CHECK(fx.count("SELECT COUNT(*) FROM strategy_rewards") == 6);
  const auto decision = fx.decision("acct-1-d0");
  CHECK_THAT(decision.features_json, Catch::Matchers::Contains("\"reward\":"));

  // A second run learns nothing twice; the predictors get a new version.
  CHECK(fx.learn().summary == "arms_trained=0 coeffs_updated=v2 samples=6");
  CHECK(fx.arm("plan:content", "craft-tip").alpha == Approx(after.alpha));
  CHECK(fx.count("SELECT COUNT(*) FROM strategy_rewards") == 6);
  auto predictor = store::latest_predictor(fx.db(), store::content_predictor);
  REQUIRE_OK(predictor);
  REQUIRE(predictor->has_value());
  CHECK((*predictor)->version == 2);
  CHECK((*predictor)->samples == 6);
  CHECK(content::predictors_from_json((*predictor)->weights_json).has_value());
}
