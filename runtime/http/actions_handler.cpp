// The autonomous operations loop's endpoints: the action queue
// (GET/POST /api/actions, GET/PATCH /api/actions/{id}), the tick ledger
// (GET /api/aol/ticks) and the control flags (GET/POST /admin/aol/flags).
// Every read and write runs on the query worker's thread.
//
// Reads are open like the rest of /api. Every write needs the admin token,
// though only the flags live under /admin: an enqueued action is an effect
// on the outside world (a post, a notification), and a decision, retry or
// cancel decides whether one happens, so they are the operator's to make.
#include <algorithm>
#include <cctype>
#include <string_view>

#include "runtime/http/action_requests.hpp"
#include "runtime/http/api_context.hpp"
#include "runtime/http/handler_support.hpp"
#include "runtime/http/json_views.hpp"
#include "runtime/http/query.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_control_flags.hpp"
#include "runtime/store/aol_tick_ledger.hpp"

namespace troupe::http {
namespace {

namespace json = boost::json;
using store::action_status;

constexpr std::int64_t default_action_page = 100;
constexpr std::int64_t default_tick_page = 50;
constexpr std::int64_t max_tick_page = 1000;

constexpr action_status every_status[] = {
    action_status::pending, action_status::running,        action_status::succeeded, action_status::retry,
    action_status::dlq,     action_status::needs_decision, action_status::cancelled, action_status::proofed,
};

// --- JSON shapes ------------------------------------------------------------

json::value text_or_null(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  return json::value(*text);
}

// The stored payload as JSON (the store accepts only JSON; kept as text if
// a row written by other means is not).
json::value payload_json(const std::string& stored) {
  json::error_code problem;
  auto parsed = json::parse(stored, problem);
  if (problem) return json::value(stored);
  return parsed;
}

json::object action_json(const store::action& action) {
  return {{"id", action.id},
          {"type", action.type},
          {"payload", payload_json(action.payload_json)},
          {"idempotency_key", action.idempotency_key},
          {"status", store::to_string(action.status)},
          {"priority", action.priority},
          {"attempts", action.attempts},
          {"max_attempts", action.max_attempts},
          {"run_at", iso_time(action.run_at_ms)},
          {"next_attempt_at", iso_time(action.next_attempt_at_ms)},
          {"lease_owner", text_or_null(action.lease_owner)},
          {"lease_expires_at", time_or_null(action.lease_expires_at_ms)},
          {"last_error", text_or_null(action.last_error)},
          {"decision", text_or_null(action.decision)},
          {"created_at", iso_time(action.created_at_ms)},
          {"updated_at", iso_time(action.updated_at_ms)},
          {"finished_at", time_or_null(action.finished_at_ms)},
          {"held_reason", text_or_null(action.held_reason)},
          {"proof_artifact", text_or_null(action.proof_artifact)}};
}

json::object tick_json(const store::tick_record& tick) {
  json::value duration = nullptr;
  if (tick.duration_ms) duration = *tick.duration_ms;
  return {{"id", tick.id},
          {"started_at", iso_time(tick.started_at_ms)},
          {"finished_at", time_or_null(tick.finished_at_ms)},
          {"status", store::to_string(tick.status)},
          {"attempted", tick.attempted},
          {"succeeded", tick.succeeded},
          {"duration_ms", std::move(duration)},
          {"owner", tick.owner},
          {"epoch", tick.epoch}};
}

json::object flags_json(const store::control_flags& flags) {
  return {{"paused", flags.paused}, {"proof", flags.proof}};
}

// --- reading requests -------------------------------------------------------

// What a PATCH /api/actions/{id} body asks for.
struct transition {
  enum class kind { decide, retry, cancel, release } wanted;
  std::string decision;  // for decide
};

result<transition> transition_of(const json::object& body) {
  auto known = only_known_fields(body, {"decision", "op"});
  if (!known) return known.failure();
  const auto* decision = body.if_contains("decision");
  const auto* op = body.if_contains("op");
  if ((decision == nullptr) == (op == nullptr)) {
    return error{"the body needs either \"decision\" or \"op\" (\"retry\", \"cancel\" or \"release\"), not both"};
  }
  if (decision != nullptr) {
    if (!decision->is_string() || decision->get_string().empty()) return error{"'decision' must be a non-empty string"};
    if (decision->get_string() == store::auto_skip_decision) {
      return error{"the decision 'auto-skip' is reserved for a decision that timed out; use 'skip'"};
    }
    return transition{transition::kind::decide, std::string(decision->get_string())};
  }
  if (op->is_string() && op->get_string() == "retry") return transition{transition::kind::retry, {}};
  if (op->is_string() && op->get_string() == "cancel") return transition{transition::kind::cancel, {}};
  if (op->is_string() && op->get_string() == "release") return transition{transition::kind::release, {}};
  return error{"'op' must be \"retry\", \"cancel\" or \"release\""};
}

result<std::int64_t> action_id(const request& incoming) {
  const auto& text = incoming.path_params.at("id");
  auto id = parse_integer(text);
  if (!id || *id < 1) return error{"an action id is a positive integer, not " + in_quotes(text)};
  return *id;
}

result<std::optional<action_status>> status_param(const query_params& query) {
  auto found = query.find("status");
  if (found == query.end() || found->second.empty()) return std::optional<action_status>();
  std::string name = found->second;
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
  if (auto parsed = store::parse_action_status(name)) return std::optional<action_status>(*parsed);
  std::string names;
  for (auto known : every_status) names += (names.empty() ? "" : ", ") + std::string(store::to_string(known));
  return error{"unknown status " + in_quotes(found->second) + ": one of " + names};
}

// --- the endpoints ----------------------------------------------------------

response action_page(store::database& db, const request& incoming, std::int64_t) {
  store::action_query filter;
  auto wanted_status = status_param(incoming.query);
  auto after = integer_param(incoming.query, "after", 0);
  auto limit = page_limit(incoming.query, default_action_page, store::max_action_page);
  if (!wanted_status) return error_response(400, wanted_status.failure().message);
  if (!after) return error_response(400, after.failure().message);
  if (!limit) return error_response(400, limit.failure().message);
  filter.status = *wanted_status;
  if (auto type = incoming.query.find("type"); type != incoming.query.end() && !type->second.empty()) {
    filter.type = type->second;
  }
  filter.after_id = after->value_or(0);
  filter.limit = *limit;
  auto found = store::list_actions(db, filter);
  if (!found) return error_response(503, found.failure().message);
  auto counted = store::count_actions_by_status(db);
  if (!counted) return error_response(503, counted.failure().message);

  json::array rows;
  for (const auto& action : *found) rows.push_back(action_json(action));
  json::value next = nullptr;
  if (static_cast<int>(found->size()) == filter.limit) next = found->back().id;
  json::object counts;
  for (const auto& [status_value, count] : *counted) counts[store::to_string(status_value)] = count;
  return json_response(200, json::object{{"actions", std::move(rows)},
                                         {"next_after", std::move(next)},
                                         {"counts", std::move(counts)}});
}

response show_action(store::database& db, const request& incoming, std::int64_t) {
  auto id = action_id(incoming);
  if (!id) return error_response(400, id.failure().message);
  auto found = store::load_action(db, *id);
  if (!found) return error_response(503, found.failure().message);
  if (!*found) return error_response(404, "no action " + std::to_string(*id));
  return json_response(200, action_json(**found));
}

// A batch {"actions": [...]}, written in one transaction: 201 when it
// created any action, 200 when every key was queued already; each action
// as a single enqueue answers it, with "created".
response enqueue_batch(const config::troupe_config& config, store::database& db,
                       const json::object& body, std::int64_t now_ms) {
  auto wanted = new_actions_of(body, config.aol.max_attempts);
  if (!wanted) return error_response(400, wanted.failure().message);
  auto outcomes = store::enqueue_actions(db, *wanted, now_ms);
  if (!outcomes) return error_response(503, outcomes.failure().message);
  json::array actions;
  bool any_created = false;
  for (const auto& outcome : *outcomes) {
    auto answer = action_json(outcome.queued);
    answer["created"] = outcome.created;
    any_created = any_created || outcome.created;
    actions.push_back(std::move(answer));
  }
  return json_response(any_created ? 201 : 200, json::object{{"actions", std::move(actions)}});
}

// Enqueues with the config in force when the request arrives (aol.maxAttempts).
response enqueue(const config::troupe_config& config, store::database& db, const request& incoming,
                 std::int64_t now_ms) {
  auto body = object_body(incoming);
  if (!body) return error_response(400, body.failure().message);
  if (is_action_batch(*body)) return enqueue_batch(config, db, *body, now_ms);
  auto wanted = new_action_of(*body, config.aol.max_attempts);
  if (!wanted) return error_response(400, wanted.failure().message);
  auto outcome = store::enqueue_action(db, *wanted, now_ms);
  if (!outcome) return error_response(503, outcome.failure().message);
  auto answer = json_response(outcome->created ? 201 : 200, action_json(outcome->queued));
  answer.headers.emplace_back("Location", "/api/actions/" + std::to_string(outcome->queued.id));
  return answer;
}

result<bool> apply(store::database& db, std::int64_t id, const transition& wanted, std::int64_t now_ms) {
  switch (wanted.wanted) {
    case transition::kind::decide:
      return store::decide_action(db, id, wanted.decision, now_ms);
    case transition::kind::retry:
      return store::retry_dead_action(db, id, now_ms);
    case transition::kind::cancel:
      return store::cancel_action(db, id, now_ms);
    case transition::kind::release:
      return store::release_proofed_action(db, id, now_ms);
  }
  return false;
}

// Why `wanted` does not apply to `action` as it stands.
std::string refusal(const store::action& action, const transition& wanted) {
  const std::string prefix = "action " + std::to_string(action.id) + " is " + store::to_string(action.status) + ": ";
  switch (wanted.wanted) {
    case transition::kind::decide:
      return prefix + "only a NEEDS_DECISION action takes a decision";
    case transition::kind::retry:
      return prefix + "only a DLQ action can be retried";
    case transition::kind::release:
      return prefix + "only a PROOFED action can be released for a real run";
    case transition::kind::cancel:
      if (action.status == action_status::running) {
        return prefix + "a running action cannot be cancelled, its adapter may be producing the effect right now;"
                        " cancel it once this attempt has ended";
      }
      return prefix + "it has finished already";
  }
  return prefix + "not allowed";
}

response change_action(store::database& db, const request& incoming, std::int64_t now_ms) {
  auto id = action_id(incoming);
  if (!id) return error_response(400, id.failure().message);
  auto body = object_body(incoming);
  if (!body) return error_response(400, body.failure().message);
  auto wanted = transition_of(*body);
  if (!wanted) return error_response(400, wanted.failure().message);
  // Try first, then read: the answer shows the action as the transition
  // left it, or as it stood when the transition was refused.
  auto moved = apply(db, *id, *wanted, now_ms);
  if (!moved) return error_response(503, moved.failure().message);
  auto current = store::load_action(db, *id);
  if (!current) return error_response(503, current.failure().message);
  if (!*current) return error_response(404, "no action " + std::to_string(*id));
  if (!*moved) return error_response(409, refusal(**current, *wanted));
  return json_response(200, action_json(**current));
}

response tick_page(store::database& db, const request& incoming, std::int64_t) {
  auto limit = page_limit(incoming.query, default_tick_page, max_tick_page);
  if (!limit) return error_response(400, limit.failure().message);
  auto found = store::recent_ticks(db, *limit);
  if (!found) return error_response(503, found.failure().message);
  json::array rows;
  for (const auto& tick : *found) rows.push_back(tick_json(tick));
  return json_response(200, json::object{{"ticks", std::move(rows)}});
}

response show_flags(store::database& db, const request&, std::int64_t) {
  auto flags = store::load_control_flags(db);
  if (!flags) return error_response(503, flags.failure().message);
  return json_response(200, flags_json(*flags));
}

// Sets the flags named in the body (any of them); checks them all before
// setting any, so a bad body changes nothing.
response set_flags(store::database& db, const request& incoming, std::int64_t now_ms) {
  auto body = object_body(incoming);
  if (!body) return error_response(400, body.failure().message);
  const auto names = store::control_flag_names();
  for (const auto& [name, value] : *body) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      std::string known;
      for (const auto& flag : names) known += (known.empty() ? "" : ", ") + flag;
      return error_response(400, "unknown flag " + in_quotes(name) + ": the flags are " + known);
    }
    if (!value.is_bool()) return error_response(400, "flag " + in_quotes(name) + " must be true or false");
  }
  for (const auto& [name, value] : *body) {
    if (auto set = store::set_control_flag(db, std::string(name), value.get_bool(), now_ms); !set) {
      return error_response(503, set.failure().message);
    }
  }
  return show_flags(db, incoming, now_ms);
}

}  // namespace

void add_action_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/actions", on_store(context, action_page));
  routes.add("POST", "/api/actions",
             admin_only(context, on_store(context, [context](store::database& db, const request& incoming,
                                                             std::int64_t now_ms) {
               return enqueue(*context->reloader.current(), db, incoming, now_ms);
             })));
  routes.add("GET", "/api/actions/{id}", on_store(context, show_action));
  routes.add("PATCH", "/api/actions/{id}", admin_only(context, on_store(context, change_action)));
  routes.add("GET", "/api/aol/ticks", on_store(context, tick_page));
  routes.add("GET", "/admin/aol/flags", admin_only(context, on_store(context, show_flags)));
  routes.add("POST", "/admin/aol/flags", admin_only(context, on_store(context, set_flags)));
}

}  // namespace troupe::http
