#include "runtime/pipeline/outcome_jobs.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <map>
#include <set>

#include "runtime/content/bandits.hpp"
#include "runtime/content/learning.hpp"
#include "runtime/driver/result_object.hpp"
#include "runtime/effect_gates.hpp"
#include "runtime/pipeline/content_jobs.hpp"
#include "runtime/pipeline/job_support.hpp"
#include "runtime/store/bandit_arms.hpp"
#include "runtime/store/content_decisions.hpp"
#include "runtime/store/outcomes.hpp"
#include "runtime/time_units.hpp"

namespace troupe::pipeline {
namespace {

namespace json = boost::json;

using time_units::hour_ms;

bool live_mode(const config::flags_config& flags) { return flags.mode == "live"; }

// features.<gate>.score, when the decision has it.
std::optional<double> gate_score(const json::object& features, const char* gate) {
  const auto* entry = features.if_contains(gate);
  if (entry == nullptr || !entry->is_object()) return std::nullopt;
  const auto* score = entry->as_object().if_contains("score");
  if (score == nullptr || !score->is_number()) return std::nullopt;
  return score->to_number<double>();
}

// The features of a stored decision (learning.hpp features_from_scores),
// from the gate scores its features JSON holds.
content::decision_features features_of(const std::string& features_json, const std::string& text, bool is_reply) {
  json::error_code problem;
  const auto parsed = json::parse(features_json, problem);
  const json::object features = !problem && parsed.is_object() ? parsed.as_object() : json::object{};
  return content::features_from_scores(gate_score(features, "quality").value_or(0.0),
                                       gate_score(features, "uniqueness").value_or(0.0), text, is_reply);
}

// --- collect ----------------------------------------------------------------

std::vector<store::collection_horizon> horizons_of(const config::troupe_config& config) {
  std::vector<store::collection_horizon> horizons;
  for (const int hours : config.content.outcome_horizons_hours) {
    horizons.push_back({std::to_string(hours) + "h", hours * hour_ms});
  }
  return horizons;
}

// The metrics a successful `metrics` run reported, or why there are none.
result<content::post_metrics> metrics_of(const driver::driver_outcome& outcome) {
  if (outcome.kind != driver::outcome_kind::success) {
    return error{fmt::format("driver metrics: {} (exit {}) {}", driver::to_string(outcome.kind), outcome.exit_code,
                             outcome.error)};
  }
  const auto parsed = driver::result_object(outcome);
  if (!parsed || !parsed->contains("impressions")) return error{"driver metrics: no result with impressions"};
  const auto& result = *parsed;
  content::post_metrics metrics;
  const std::pair<const char*, std::int64_t*> fields[] = {
      {"impressions", &metrics.impressions}, {"likes", &metrics.likes},         {"retweets", &metrics.retweets},
      {"replies", &metrics.replies},         {"bookmarks", &metrics.bookmarks}, {"quotes", &metrics.quotes}};
  for (const auto& [name, target] : fields) {
    const auto count = driver::count_member(result, name);
    if (!count) return error{fmt::format("driver metrics: {} is not a count", name)};
    *target = *count;
  }
  return metrics;
}

struct collect_run {
  const jobs::job_run_context& run;
  const outcome_services& services;
  store::database db;
  bool simulated = false;
  std::int64_t now_ms = 0;
};

result<content::post_metrics> real_metrics(collect_run& state, const store::collection_due& due) {
  const auto session_id = fmt::format("collect-{}-{}", due.decision_id, due.horizon);
  auto outcome = run_job_verb(state.run, state.services.driver_program, "metrics", due.account_id, session_id,
                              {"--post-id", due.post_id}, metrics_timeout);
  if (!outcome) return outcome.failure();
  return metrics_of(*outcome);
}

result<content::post_metrics> simulated_metrics(collect_run& state, const store::collection_due& due) {
  auto decision = store::load_decision(state.db, due.decision_id);
  if (!decision) return decision.failure();
  if (!*decision) return error{"no decision " + due.decision_id};
  const auto& found = **decision;
  const auto features = features_of(found.features_json, found.content, found.type == store::decision_type::reply);
  return content::simulated_metrics(found.decision_id, found.bandit_arm, features, state.services.seed);
}

status collect_one(collect_run& state, const store::collection_due& due) {
  auto metrics = state.simulated ? simulated_metrics(state, due) : real_metrics(state, due);
  if (!metrics) return metrics.failure();
  store::outcome row;
  row.decision_id = due.decision_id;
  row.post_id = due.post_id;
  row.horizon = due.horizon;
  row.collected_at_ms = state.now_ms;
  row.impressions = metrics->impressions;
  row.likes = metrics->likes;
  row.retweets = metrics->retweets;
  row.replies = metrics->replies;
  row.bookmarks = metrics->bookmarks;
  row.quotes = metrics->quotes;
  row.er_calculated = content::engagement_rate(*metrics);
  row.simulated = state.simulated;
  auto stored = store::insert_outcome(state.db, row);
  if (!stored) return stored.failure();
  if (*stored) {
    spdlog::info("[ANALYTICS_COLLECTOR] stored outcome decision_id={} er={:.4f} horizon={} simulated={}",
                 row.decision_id, row.er_calculated, row.horizon, row.simulated);
  }
  return {};
}

// --- learn ------------------------------------------------------------------

struct learn_run {
  store::database db;
  std::int64_t now_ms = 0;
  std::set<std::pair<std::string, std::string>> arms_trained;  // (scope, arm)
};

// The stored arm (scope, name), or a new one of `kind` at the prior.
result<store::bandit_arm> stored_arm(learn_run& state, const std::string& scope, const std::string& name,
                                     store::bandit_kind kind) {
  auto arms = store::load_bandit_arms(state.db, scope);
  if (!arms) return arms.failure();
  for (const auto& arm : *arms) {
    if (arm.arm == name) return arm;
  }
  return store::bandit_arm{scope, name, kind, 1, 1, 0, 0, 0};
}

// The content arm learns the reward into its Beta posterior; its pull was
// counted when it was chosen.
status teach_content_arm(learn_run& state, const store::learning_record& record, double reward) {
  const auto scope = content_arm_scope(record.pipeline_source);
  auto arm = stored_arm(state, scope, record.bandit_arm, store::bandit_kind::thompson);
  if (!arm) return arm.failure();
  const auto posterior = content::update_arm({arm->arm, arm->alpha, arm->beta}, reward);
  arm->alpha = posterior.alpha;
  arm->beta = posterior.beta;
  arm->reward_sum += reward;
  if (auto stored = store::upsert_bandit_arm(state.db, *arm, state.now_ms); !stored) return stored;
  state.arms_trained.insert({scope, record.bandit_arm});
  return {};
}

// The timing slot learns the reward into its UCB mean (pulls counted at
// choice time).
status teach_timing_slot(learn_run& state, const store::learning_record& record, double reward) {
  if (record.timing_arm.empty()) return {};  // replies have no slot
  const auto scope = "plan:timing:" + record.account_id;
  auto slot = stored_arm(state, scope, record.timing_arm, store::bandit_kind::ucb);
  if (!slot) return slot.failure();
  slot->reward_sum += reward;
  if (auto stored = store::upsert_bandit_arm(state.db, *slot, state.now_ms); !stored) return stored;
  state.arms_trained.insert({scope, record.timing_arm});
  return {};
}

status reward_one(learn_run& state, const store::learning_record& record) {
  const double reward = content::reward_of(record.er);
  auto written = store::record_reward(state.db, record.decision_id, record.bandit_arm, reward, state.now_ms);
  if (!written) return written.failure();
  if (!*written) return {};  // another run rewarded it meanwhile
  if (auto taught = teach_content_arm(state, record, reward); !taught) return taught;
  return teach_timing_slot(state, record, reward);
}

std::vector<content::training_sample> samples_of(const std::vector<store::learning_record>& records) {
  std::vector<content::training_sample> samples;
  for (const auto& record : records) {
    const auto features = features_of(record.features_json, record.content, record.decision_type == "reply");
    samples.push_back({content::feature_vector(features), record.er});
  }
  return samples;
}

// Trains and stores the next predictor version; 0 when there are too few samples.
result<int> train(learn_run& state, const std::vector<store::learning_record>& records) {
  const auto trained = content::train_predictors(samples_of(records), min_learning_outcomes);
  if (!trained) return 0;
  store::predictor model;
  model.name = store::content_predictor;
  model.weights_json = content::predictors_to_json(*trained);
  model.trained_at_ms = state.now_ms;
  model.samples = static_cast<std::int64_t>(trained->samples);
  model.holdout_samples = static_cast<std::int64_t>(trained->holdout_samples);
  model.holdout_r2 = trained->holdout_r2;
  model.holdout_log_loss = trained->holdout_log_loss;
  return store::store_predictor(state.db, model);
}

}  // namespace

jobs::job_result run_collect(const jobs::job_run_context& run, const outcome_services& services) {
  const auto flags = services.flags(*run.config);
  const bool simulated = !live_mode(flags);
  if (!simulated) {
    const auto gate = real_analytics_allowed(flags);
    if (!gate.allowed) {
      spdlog::info("[ANALYTICS_COLLECTOR] collected nothing: reason={}", gate.reason);
      return {true, "collected nothing: " + gate.reason};
    }
  }
  auto db = open_job_store(*run.config);
  if (!db) return {false, db.failure().message};
  collect_run state{run, services, std::move(*db), simulated, services.now_ms()};
  auto due = store::collections_due(state.db, horizons_of(*run.config), state.now_ms, collections_per_run);
  if (!due) return {false, due.failure().message};
  int stored = 0;
  int failed = 0;
  for (const auto& item : *due) {
    if (run.cancel && run.cancel->cancelled()) break;
    if (auto collected = collect_one(state, item); collected) {
      ++stored;
    } else {
      ++failed;
      spdlog::warn("[ANALYTICS_COLLECTOR] no outcome decision_id={}: {}", item.decision_id,
                   collected.failure().message);
    }
  }
  return {failed == 0 || stored > 0,
          fmt::format("{} {}, failed {}", simulated ? "simulated" : "collected", stored, failed)};
}

jobs::job_result run_learn(const jobs::job_run_context& run, const outcome_services& services) {
  struct counted_run {
    const outcome_services& services;
    ~counted_run() {
      if (services.on_learn_run) services.on_learn_run();
    }
  } counted{services};
  const bool live = live_mode(services.flags(*run.config));
  auto db = open_job_store(*run.config);
  if (!db) return {false, db.failure().message};
  learn_run state{std::move(*db), services.now_ms(), {}};
  auto records = store::learning_records(state.db, live);
  if (!records) return {false, records.failure().message};
  if (records->size() < min_learning_outcomes) {
    const auto why = fmt::format("insufficient {}outcomes (need {})", live ? "real " : "", min_learning_outcomes);
    spdlog::info("[LEARN_JOB] training skipped: {}", why);
    return {true, "training skipped: " + why};
  }
  for (const auto& record : *records) {
    if (record.rewarded) continue;
    if (auto rewarded = reward_one(state, record); !rewarded) return {false, rewarded.failure().message};
  }
  auto version = train(state, *records);
  if (!version) return {false, version.failure().message};
  spdlog::info("[LEARN_JOB] arms_trained={} coeffs_updated=v{}", state.arms_trained.size(), *version);
  return {true, fmt::format("arms_trained={} coeffs_updated=v{} samples={}", state.arms_trained.size(), *version,
                            records->size())};
}

}  // namespace troupe::pipeline
