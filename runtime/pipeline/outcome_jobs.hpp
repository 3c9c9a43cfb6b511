// What became of the posts, and learning from it: the collector
// (`job:collect`) and the learn job (`job:learn`).
//
// Collect: the posted decisions without an outcome, and those a horizon of
// content.outcomeHorizonsHours past their post without that horizon's
// outcome (store/outcomes.hpp), oldest first, collections_per_run a run:
//   - live mode, real_analytics_allowed() (REAL_METRICS_ENABLED): the
//     driver's `metrics --post-id ID` -> an outcome with simulated=false;
//     not allowed: nothing is collected and nothing is made up;
//   - shadow mode: an outcome from the simulated model
//     (content::simulated_metrics, runtime/content/learning.hpp), marked
//     simulated=true, so learning can be watched without a platform.
// Log: "[ANALYTICS_COLLECTOR] stored outcome decision_id=... er=...".
//
// Learn: the decisions with outcomes, each by its latest outcome — in live
// mode only real ones (simulated=false; a simulated outcome is never read),
// in shadow mode all. Fewer than min_learning_outcomes: nothing is learned
// ("[LEARN_JOB] training skipped: insufficient real outcomes (need 5)").
// Otherwise each decision not yet rewarded gets reward_of(er) in
// features.reward and strategy_rewards, its content arm's Beta posterior
// (scope "<pipeline>:content") and its timing slot's UCB reward sum
// ("plan:timing:<account>") learn it, and the ridge (engagement rate) and
// logistic (success) predictors are trained and stored as the next version
// of `predictors` store::content_predictor with their holdout metrics. Log:
// "[LEARN_JOB] arms_trained=N coeffs_updated=vK".
//
// Both block (SQL, driver runs): the job actors call them on threads of
// their own.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "config/config.hpp"
#include "runtime/jobs/job_body.hpp"

namespace troupe::pipeline {

constexpr int collections_per_run = 50;
constexpr std::chrono::milliseconds metrics_timeout{60'000};
constexpr std::size_t min_learning_outcomes = 5;

struct outcome_services {
  std::function<config::flags_config(const config::troupe_config&)> flags;
  std::function<std::int64_t()> now_ms;
  std::string driver_program;  // empty: drivers.command
  std::uint64_t seed = 0;      // the simulated outcome model's
  std::function<void()> on_learn_run;  // called at the end of each learn run, for the metrics; may be empty
};

jobs::job_result run_collect(const jobs::job_run_context& run, const outcome_services& services);
jobs::job_result run_learn(const jobs::job_run_context& run, const outcome_services& services);

}  // namespace troupe::pipeline
