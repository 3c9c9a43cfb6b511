// The content pipeline's decisions: GET /api/decisions (a filtered page,
// newest first, with the total) and GET /api/decisions/{id}. Reads are open
// like the rest of /api and run on the query worker's thread. Fields are
// named as in /api/actions: snake_case, times as ISO-8601 UTC; the features
// come as a JSON object and the embedding is left out (only its model).
#include <algorithm>
#include <cctype>
#include <string_view>

#include "runtime/http/api_context.hpp"
#include "runtime/http/handler_support.hpp"
#include "runtime/http/json_views.hpp"
#include "runtime/http/query.hpp"
#include "runtime/store/content_decisions.hpp"

namespace troupe::http {
namespace {

namespace json = boost::json;

constexpr std::int64_t default_decision_page = 50;

template <class T>
json::value or_null(const std::optional<T>& value) {
  if (!value) return nullptr;
  return json::value(*value);
}

json::value time_or_null(const std::optional<std::int64_t>& ms) {
  if (!ms) return nullptr;
  return json::value(iso_time(*ms));
}

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

// The query parameter `name` when present and non-empty.
std::optional<std::string> text_param(const query_params& query, const char* name) {
  auto found = query.find(name);
  if (found == query.end() || found->second.empty()) return std::nullopt;
  return found->second;
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
  return error{"unknown " + std::string(name) + " " + quoted(*text) + ": one of " + names};
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
  if (!*found) return error_response(404, "no decision " + quoted(id));
  return json_response(200, decision_json(**found));
}

}  // namespace

void add_decision_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/decisions", on_store(context, decision_list));
  routes.add("GET", "/api/decisions/{id}", on_store(context, show_decision));
}

}  // namespace troupe::http
