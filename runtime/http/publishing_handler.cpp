// GET /api/publishing: what stands between the queued decisions and the
// platform. Per configured account (the pods' accounts, in config order) the
// posts of the last hour and the verdict of the very rate check the posting
// orchestrator makes (runtime/pipeline/posting.hpp) at the request's time;
// the count of due queued real decisions and the first of them; and the
// unconfirmed decisions with their post action, whose question an operator
// answers through PATCH /api/decisions/{id}.
// Open like the rest of the reads; runs on the query worker's thread.
#include <algorithm>

#include "config/flags.hpp"
#include "runtime/http/api_context.hpp"
#include "runtime/http/handler_support.hpp"
#include "runtime/http/json_views.hpp"
#include "runtime/pipeline/posting.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_execution_logs.hpp"
#include "runtime/store/content_decisions.hpp"

namespace troupe::http {
namespace {

namespace json = boost::json;

constexpr int shown_queued = 20;

json::object account_json(const std::string& account, const content::post_rate_limits& limits,
                          const std::vector<store::post_time>& posts, std::int64_t now_ms) {
  const auto history = pipeline::post_history_of(posts, account);
  const auto verdict = content::check_post_rate(limits, history, now_ms);
  std::optional<std::int64_t> last_post;
  if (!history.account_posts_ms.empty()) {
    last_post = *std::max_element(history.account_posts_ms.begin(), history.account_posts_ms.end());
  }
  return {{"account_id", account},
          {"posts_last_hour", static_cast<std::int64_t>(history.account_posts_ms.size())},
          {"last_post_at", time_or_null(last_post)},
          {"allowed", verdict.allowed},
          {"reason", verdict.allowed ? json::value(nullptr) : json::value(verdict.reason)},
          {"possible_at", time_or_null(verdict.possible_at_ms)}};
}

result<json::array> accounts_json(store::database& db, const api_context& context,
                                  std::int64_t now_ms) {
  auto posts = store::recent_post_times(db, now_ms - pipeline::post_history_ms, now_ms);
  if (!posts) return posts.failure();
  const auto config = context.reloader.current();
  const auto flags = config::apply_environment(config->flags, context.environment);
  const auto limits = pipeline::post_rate_limits_of(*config, flags);
  json::array accounts;
  for (const auto& pod : config->pods) {
    for (const auto& account : pod.accounts)
      accounts.push_back(account_json(account, limits, *posts, now_ms));
  }
  return accounts;
}

json::array queued_json(const std::vector<store::content_decision>& due) {
  json::array shown;
  const auto count = std::min<std::size_t>(due.size(), shown_queued);
  for (std::size_t i = 0; i < count; ++i) {
    shown.push_back(json::object{{"decision_id", due[i].decision_id},
                                 {"account_id", due[i].account_id},
                                 {"scheduled_at", time_or_null(due[i].scheduled_at_ms)}});
  }
  return shown;
}

// The question an action waiting for an operator asked: its last attempt's
// message (the queue keeps it in the attempt's log, not on the action).
result<json::value> question_of(store::database& db, const store::action& action) {
  if (action.status != store::action_status::needs_decision) return json::value(nullptr);
  auto attempts = store::attempts_of(db, action.id);
  if (!attempts) return attempts.failure();
  if (attempts->empty() || attempts->back().outcome != store::attempt_outcome::needs_decision) {
    return or_null(action.last_error);
  }
  return or_null(attempts->back().error);
}

result<json::object> unconfirmed_json(store::database& db,
                                      const store::content_decision& decision) {
  json::object row{{"decision_id", decision.decision_id},
                   {"account_id", decision.account_id},
                   {"error_message", or_null(decision.error_message)},
                   {"action_id", or_null(decision.aol_action_id)},
                   {"action_status", nullptr},
                   {"question", nullptr}};
  if (!decision.aol_action_id) return row;
  auto action = store::load_action(db, *decision.aol_action_id);
  if (!action) return action.failure();
  if (!*action) return row;
  auto question = question_of(db, **action);
  if (!question) return question.failure();
  row["action_status"] = store::to_string((*action)->status);
  row["question"] = std::move(*question);
  return row;
}

result<json::array> unconfirmed_list(store::database& db) {
  store::decision_filter unconfirmed;
  unconfirmed.status = store::decision_status::unconfirmed;
  auto listed = store::list_decisions(db, unconfirmed, {store::max_decision_page, 0});
  if (!listed) return listed.failure();
  json::array rows;
  for (const auto& decision : listed->decisions) {
    auto row = unconfirmed_json(db, decision);
    if (!row) return row.failure();
    rows.push_back(std::move(*row));
  }
  return rows;
}

response publishing_state(store::database& db, const api_context& context, std::int64_t now_ms) {
  auto accounts = accounts_json(db, context, now_ms);
  if (!accounts) return error_response(503, accounts.failure().message);
  auto due = store::due_queued_decisions(db, now_ms, store::max_decision_page);
  if (!due) return error_response(503, due.failure().message);
  auto unconfirmed = unconfirmed_list(db);
  if (!unconfirmed) return error_response(503, unconfirmed.failure().message);
  return json_response(200, json::object{{"accounts", std::move(*accounts)},
                                         {"queued", static_cast<std::int64_t>(due->size())},
                                         {"queued_next", queued_json(*due)},
                                         {"unconfirmed", std::move(*unconfirmed)}});
}

}  // namespace

void add_publishing_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/publishing",
             on_store(context, [context](store::database& db, const request&, std::int64_t now_ms) {
               return publishing_state(db, *context, now_ms);
             }));
}

}  // namespace troupe::http
