// GET /api/learning: what the learn job has made of the outcomes. Every
// bandit arm with its posterior's mean (alpha/(alpha+beta) for Thompson
// sampling; the mean reward, or null before the first pull, for UCB), the
// content predictor's latest versions with their holdout metrics, and the
// latest outcomes collected (simulated ones marked).
// Open like the rest of the reads; runs on the query worker's thread.
#include "runtime/http/api_context.hpp"
#include "runtime/http/handler_support.hpp"
#include "runtime/http/json_views.hpp"
#include "runtime/store/bandit_arms.hpp"
#include "runtime/store/outcomes.hpp"

namespace troupe::http {
namespace {

namespace json = boost::json;

constexpr int shown_predictors = 10;
constexpr int shown_outcomes = 50;

json::value mean_of(const store::bandit_arm& arm) {
  if (arm.kind == store::bandit_kind::thompson) return arm.alpha / (arm.alpha + arm.beta);
  if (arm.pulls == 0) return nullptr;
  return arm.reward_sum / static_cast<double>(arm.pulls);
}

json::object arm_json(const store::bandit_arm& arm) {
  return {
      {"scope", arm.scope},           {"arm", arm.arm},      {"kind", store::to_string(arm.kind)},
      {"alpha", arm.alpha},           {"beta", arm.beta},    {"pulls", arm.pulls},
      {"reward_sum", arm.reward_sum}, {"mean", mean_of(arm)}};
}

json::object predictor_json(const store::predictor& model) {
  return {{"version", model.version},
          {"trained_at", iso_time(model.trained_at_ms)},
          {"samples", model.samples},
          {"holdout_samples", model.holdout_samples},
          {"holdout_r2", or_null(model.holdout_r2)},
          {"holdout_log_loss", or_null(model.holdout_log_loss)}};
}

json::object outcome_json(const store::outcome& row) {
  return {{"decision_id", row.decision_id},
          {"horizon", row.horizon},
          {"collected_at", iso_time(row.collected_at_ms)},
          {"impressions", row.impressions},
          {"likes", row.likes},
          {"retweets", row.retweets},
          {"replies", row.replies},
          {"bookmarks", row.bookmarks},
          {"quotes", row.quotes},
          {"er_calculated", row.er_calculated},
          {"simulated", row.simulated}};
}

response learning_state(store::database& db, const request&, std::int64_t) {
  auto arms = store::load_all_bandit_arms(db);
  if (!arms) return error_response(503, arms.failure().message);
  auto predictors = store::predictor_versions(db, store::content_predictor, shown_predictors);
  if (!predictors) return error_response(503, predictors.failure().message);
  auto outcomes = store::latest_outcomes(db, shown_outcomes);
  if (!outcomes) return error_response(503, outcomes.failure().message);
  return json_response(200, json::object{{"arms", array_of(*arms, arm_json)},
                                         {"predictors", array_of(*predictors, predictor_json)},
                                         {"outcomes", array_of(*outcomes, outcome_json)}});
}

}  // namespace

void add_learning_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/learning", on_store(context, learning_state));
}

}  // namespace troupe::http
