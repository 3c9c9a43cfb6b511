// What posted decisions earned and what the learn job made of it:
// `outcomes` (one row per decision and collection horizon), the rewards
// written back (`features.reward`, `strategy_rewards`) and the versioned
// `predictors`.
//
// Times are milliseconds since the epoch, always passed in. Functions use
// the given database only; its contract (one thread at a time) applies.
// Behaviour is identical on SQLite and PostgreSQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

// The learn job's predictors' name in `predictors`.
constexpr const char* content_predictor = "content";

// The horizon of the first collection after a post.
constexpr const char* first_horizon = "first";

struct outcome {
  std::string decision_id;
  std::string post_id;
  std::string horizon = first_horizon;  // "first", "24h", "168h", ...
  std::int64_t collected_at_ms = 0;
  std::int64_t impressions = 0;
  std::int64_t likes = 0;
  std::int64_t retweets = 0;
  std::int64_t replies = 0;
  std::int64_t bookmarks = 0;
  std::int64_t quotes = 0;
  double er_calculated = 0;
  bool simulated = false;  // written by shadow mode's model, never by a platform
};

// Stores `row`; false when the decision already has an outcome at that
// horizon (nothing is written). Fails on an unknown decision or an empty
// post id or horizon.
result<bool> insert_outcome(database& db, const outcome& row);

// The outcomes of a decision, oldest first.
result<std::vector<outcome>> outcomes_of(database& db, const std::string& decision_id);

// The latest `limit` (>= 1) outcomes of every decision, newest collection first.
result<std::vector<outcome>> latest_outcomes(database& db, int limit);

// A posted decision whose outcome at `horizon` is due and missing.
struct collection_due {
  std::string decision_id;
  std::string account_id;
  std::string post_id;
  std::int64_t posted_at_ms = 0;
  std::string horizon;
};

// A later collection: its name ("24h") and how long after the post it is due.
struct collection_horizon {
  std::string name;
  std::int64_t after_ms = 0;
};

// The posted decisions without an outcome (horizon "first") and those
// posted at least a horizon ago without that horizon's outcome, oldest post
// first, up to `limit` in all.
result<std::vector<collection_due>> collections_due(database& db, const std::vector<collection_horizon>& horizons,
                                                    std::int64_t now_ms, int limit);

// What the learn job reads of a decision with an outcome: the decision's
// arms and features and its latest outcome's engagement rate.
struct learning_record {
  std::string decision_id;
  std::string decision_type;
  std::string pipeline_source;
  std::string account_id;
  std::string bandit_arm;
  std::string timing_arm;
  std::string content;
  std::string features_json;
  double er = 0;
  bool simulated = false;
  bool rewarded = false;  // features.reward is set: its arms have learned from it
};

// The decisions with outcomes, each with its latest outcome — of the real
// (simulated=false) ones only when `real_only`, in which case a simulated
// outcome is never read — oldest decision first.
result<std::vector<learning_record>> learning_records(database& db, bool real_only);

// Writes `reward` into the decision's features (features.reward) and a
// strategy_rewards row for `arm`, in one transaction. False when the
// decision already had a reward (nothing is written).
result<bool> record_reward(database& db, const std::string& decision_id, const std::string& arm, double reward,
                           std::int64_t now_ms);

struct predictor {
  std::string name;
  int version = 0;
  std::string weights_json;
  std::int64_t trained_at_ms = 0;
  std::int64_t samples = 0;
  std::int64_t holdout_samples = 0;
  std::optional<double> holdout_r2;
  std::optional<double> holdout_log_loss;
};

// Stores `model` as the next version of its name (1 for the first) and
// returns that version (model.version is ignored).
result<int> store_predictor(database& db, const predictor& model);

// The latest version of `name`, if any.
result<std::optional<predictor>> latest_predictor(database& db, const std::string& name);

// Every version of `name`, newest first, up to `limit`.
result<std::vector<predictor>> predictor_versions(database& db, const std::string& name, int limit);

// What /api/metrics shows of publishing and learning, read from the store
// so that every process on the database agrees.
struct publishing_totals {
  std::int64_t posts_attempted = 0;  // decisions handed to the queue: posting, unconfirmed, posted, failed
  std::int64_t posts_posted = 0;     // posted_decisions rows
  std::int64_t real_outcomes = 0;    // outcomes with simulated=false
  std::int64_t arm_updates = 0;      // rewards learned (strategy_rewards rows)
  std::optional<int> predictor_version;  // the latest content_predictor's
};

result<publishing_totals> read_publishing_totals(database& db);

}  // namespace troupe::store
