// The reply pipeline's policy, as plain functions of (state, config, time,
// rng): when the harvester harvests an account, which planned replies the
// scheduler schedules and when, and how each stage of the pipeline is doing.
// The job bodies (runtime/pipeline/reply_pipeline.hpp) read the store, call
// these, and write what they return.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "runtime/policy/rng.hpp"

namespace troupe::content {

// ---- harvester: the freshness policy -----------------------------------------

enum class harvest_action { harvest_now, skip, wait };

struct harvest_verdict {
  harvest_action action = harvest_action::wait;
  std::string reason;                 // "fresh_12h=12 < 50", ...
  std::optional<std::int64_t> due_ms;  // wait: when the next harvest is due
};

// An account with `fresh_12h` fresh opportunities (open, not replied, target
// younger than 12 h), last harvested at `last_harvest_ms` (none: never):
//   fresh_12h < harvestNowBelow        -> harvest now
//   fresh_12h >= harvestSkipAt         -> skip (enough to reply to)
//   otherwise                          -> harvest once an interval drawn from
//     harvestMinEveryMs..harvestMaxEveryMs has passed since the last harvest.
// `random` draws that interval: seeded from the last harvest's time, the
// same last harvest always gives the same due time, run after run.
harvest_verdict decide_harvest(std::int64_t fresh_12h, std::optional<std::int64_t> last_harvest_ms,
                               std::int64_t now_ms, const config::reply_pipeline_config& settings,
                               policy::rng& random);

// ---- scheduler: ranking -------------------------------------------------------

struct reply_candidate {
  std::string decision_id;
  std::string account_id;
  std::int64_t target_time_ms = 0;     // when the target was posted (else found)
  std::int64_t author_followers = 0;
  std::optional<double> predicted_er;  // the learned predictor's, when there is one
};

struct ranked_candidate {
  reply_candidate candidate;
  double score = 0;        // 0..1: 0.5 freshness + 0.3 author reach + 0.2 predicted engagement
  double freshness = 0;    // 1 for a target posted now, halving every 4 h
  double reach = 0;        // log10(1 + followers) / 6, at most 1 (a million followers)
  double engagement = 0;   // predicted ER / 5 %, at most 1; 0.5 when nothing is predicted
};

// The candidates' scores, best first (ties: the fresher target, then the id).
std::vector<ranked_candidate> rank_candidates(const std::vector<reply_candidate>& candidates, std::int64_t now_ms);

struct scheduled_reply {
  ranked_candidate ranked;
  std::int64_t at_ms = 0;
};

struct schedule_plan {
  std::vector<scheduled_reply> scheduled;  // at most schedulePerRun, best first
  std::vector<reply_candidate> stale;      // targets older than maxTargetAgeHours: to skip
};

// Chooses what one scheduler run schedules: the best-ranked candidates whose
// target is still young enough, at most schedulePerRun; each account's
// replies spacingMs apart, after `latest_scheduled_ms` (the account's latest
// reply already scheduled, by account) and not before now.
schedule_plan plan_schedule(const std::vector<reply_candidate>& candidates,
                            const std::map<std::string, std::int64_t>& latest_scheduled_ms, std::int64_t now_ms,
                            const config::reply_pipeline_config& settings);

}  // namespace troupe::content
