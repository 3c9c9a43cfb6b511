// The content pipeline's decisions: GET /api/decisions (a filtered page,
// newest first, with the total), GET /api/decisions/{id}, and PATCH
// /api/decisions/{id} (approve or reject a decision awaiting approval;
// mark posted, retry or drop an unconfirmed one).
// Reads are open like the rest of /api; the PATCH needs the admin token like
// every other write that decides an effect. All of it runs on the query
// worker's thread. Fields are named as in /api/actions: snake_case, times as
// ISO-8601 UTC; the features come as a JSON object and the embedding is left
// out (only its model).
//
// Approving or rejecting answers the decision's APPROVE_DECISION action
// (NEEDS_DECISION) with "approve" or "reject"; the action's adapter
// (runtime/pipeline/approval.hpp) then moves the decision (to queued, or to
// skipped with "rejected") when the operations loop runs it, hence 202:
// accepted, not yet done. An unconfirmed decision's post action waits the
// same way once its lookup could not tell whether the post happened:
// {"op":"mark_posted","post_id":"<platform id>"} answers it "posted:<id>",
// "retry" and "drop" answer it so (runtime/pipeline/posting.hpp).
#include <algorithm>
#include <cctype>
#include <string_view>

#include "runtime/http/api_context.hpp"
#include "runtime/http/handler_support.hpp"
#include "runtime/http/json_views.hpp"
#include "runtime/http/query.hpp"
#include "runtime/pipeline/operator_answers.hpp"
#include "runtime/store/content_decisions.hpp"

namespace troupe::http {
namespace {

namespace json = boost::json;

constexpr std::int64_t default_decision_page = 50;

// The stored features as JSON (the store accepts only an object; kept as
// text if a row written by other means is not JSON).
json::value features_json(const std::string& stored) {
  json::error_code problem;
  auto parsed = json::parse(stored, problem);
  if (problem) return json::value(stored);
  return parsed;
}

json::object decision_json(const store::content_decision& decision) {
  return {{"decision_id", decision.decision_id},
          {"decision_type", store::to_string(decision.type)},
          {"account_id", decision.account_id},
          {"content", decision.content},
          {"bandit_arm", decision.bandit_arm},
          {"timing_arm", decision.timing_arm},
          {"propensity", or_null(decision.propensity)},
          {"quality_score", or_null(decision.quality_score)},
          {"predicted_er", or_null(decision.predicted_er)},
          {"generation_source", store::to_string(decision.source)},
          {"status", store::to_string(decision.status)},
          {"scheduled_at", time_or_null(decision.scheduled_at_ms)},
          {"topic_cluster", decision.topic_cluster},
          {"angle", decision.angle},
          {"content_hash", decision.content_hash},
          {"features", features_json(decision.features_json)},
          {"skip_reason", or_null(decision.skip_reason)},
          {"error_message", or_null(decision.error_message)},
          {"pipeline_source", decision.pipeline_source},
          {"target_post_id", or_null(decision.target_post_id)},
          {"target_author_id", or_null(decision.target_author_id)},
          {"embedding_model", decision.embedding_model},
          {"aol_action_id", or_null(decision.aol_action_id)},
          {"created_at", iso_time(decision.created_at_ms)},
          {"updated_at", iso_time(decision.updated_at_ms)}};
}

// The enum value named by parameter `name` (any case), nullopt when absent;
// an error listing the names otherwise.
template <class Value, class Parse, class Every>
result<std::optional<Value>> enum_param(const query_params& query, const char* name, Parse parse,
                                        Every every) {
  auto text = text_param(query, name);
  if (!text) return std::optional<Value>();
  std::string lowered = *text;
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (auto parsed = parse(lowered)) return std::optional<Value>(*parsed);
  std::string names;
  for (auto known : every()) {
    names += (names.empty() ? "" : ", ") + std::string(store::to_string(known));
  }
  return error{"unknown " + std::string(name) + " " + in_quotes(*text) + ": one of " + names};
}

result<store::decision_filter> filter_of(const query_params& query) {
  auto status = enum_param<store::decision_status>(query, "status", store::parse_decision_status,
                                                   store::every_decision_status);
  if (!status) return status.failure();
  auto type = enum_param<store::decision_type>(query, "type", store::parse_decision_type,
                                               store::every_decision_type);
  if (!type) return type.failure();
  store::decision_filter filter;
  filter.status = *status;
  filter.type = *type;
  filter.pipeline_source = text_param(query, "pipeline");
  filter.account_id = text_param(query, "account");
  return filter;
}

response decision_list(store::database& db, const request& incoming, std::int64_t) {
  auto filter = filter_of(incoming.query);
  if (!filter) return error_response(400, filter.failure().message);
  auto limit = page_limit(incoming.query, default_decision_page, store::max_decision_page);
  if (!limit) return error_response(400, limit.failure().message);
  auto offset = integer_param(incoming.query, "offset", 0);
  if (!offset) return error_response(400, offset.failure().message);
  const store::decision_page page{*limit, offset->value_or(0)};
  auto listing = store::list_decisions(db, *filter, page);
  if (!listing) return error_response(503, listing.failure().message);
  json::array rows;
  for (const auto& decision : listing->decisions) rows.push_back(decision_json(decision));
  return json_response(200, json::object{{"decisions", std::move(rows)},
                                         {"total", listing->total},
                                         {"limit", page.limit},
                                         {"offset", page.offset}});
}

response show_decision(store::database& db, const request& incoming, std::int64_t) {
  const auto& id = incoming.path_params.at("id");
  auto found = store::load_decision(db, id);
  if (!found) return error_response(503, found.failure().message);
  if (!*found) return error_response(404, "no decision " + in_quotes(id));
  return json_response(200, decision_json(**found));
}

// The op a PATCH body asks for: {"op": NAME} and, for mark_posted, "post_id".
result<pipeline::operator_op> op_of(const json::object& body) {
  auto known = only_known_fields(body, {"op", "post_id"});
  if (!known) return known.failure();
  const auto* op = body.if_contains("op");
  const auto* post_id = body.if_contains("post_id");
  if (op == nullptr || !op->is_string()) {
    return error{"the body needs \"op\": \"approve\" or \"reject\" (awaiting approval), or \"mark_posted\" "
                 "with \"post_id\", \"retry\" or \"drop\" (unconfirmed)"};
  }
  std::optional<std::string> id;
  if (post_id != nullptr && post_id->is_string()) id = std::string(post_id->get_string());
  return pipeline::parse_operator_op(std::string(op->get_string()), id);
}

int status_of(pipeline::operator_answer::kind refusal) {
  return refusal == pipeline::operator_answer::kind::no_decision ? 404 : 409;
}

response change_decision(store::database& db, const request& incoming, std::int64_t now_ms) {
  auto body = object_body(incoming);
  if (!body) return error_response(400, body.failure().message);
  auto op = op_of(*body);
  if (!op) return error_response(400, op.failure().message);
  const auto& id = incoming.path_params.at("id");
  auto answered = pipeline::answer_decision(db, id, *op, now_ms);
  if (!answered) return error_response(503, answered.failure().message);
  if (answered->result != pipeline::operator_answer::kind::answered) {
    return error_response(status_of(answered->result), answered->message);
  }
  return json_response(202, json::object{{"decision_id", id}, {"action_id", answered->action_id}, {"op", op->op}});
}

}  // namespace

void add_decision_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/decisions", on_store(context, decision_list));
  routes.add("GET", "/api/decisions/{id}", on_store(context, show_decision));
  routes.add("PATCH", "/api/decisions/{id}",
             admin_only(context, on_store(context, change_decision)));
}

}  // namespace troupe::http
