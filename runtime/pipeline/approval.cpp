#include "runtime/pipeline/approval.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <chrono>

#include "runtime/ops/notify.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/system_clock.hpp"

namespace troupe::pipeline {
namespace {

std::string approval_key(const std::string& decision_id) { return "approve:" + decision_id; }

// What the operator sees in the queue: enough to decide without the console.
std::string approval_question(const store::content_decision& decision) {
  const bool reply = decision.type == store::decision_type::reply;
  return fmt::format("approve or reject {} {} of {}{}: {}", reply ? "reply" : "post", decision.decision_id,
                     decision.account_id, reply ? " to " + decision.target_post_id.value_or("?") : "",
                     decision.content);
}

// The alert of a decision waiting for an operator since its approval was
// requested; resolved once answered (or skipped) at `settled_at_ms`.
ops::alert approval_alert(const store::content_decision& decision, const store::action& action,
                          std::optional<std::int64_t> settled_at_ms) {
  const bool reply = decision.type == store::decision_type::reply;
  ops::alert out;
  out.labels = {{"alertname", "decision_awaiting_approval"},
                {"severity", "warning"},
                {"decision_id", decision.decision_id},
                {"account", decision.account_id},
                {"decision_type", reply ? "reply" : "post"}};
  out.annotations = {{"summary", fmt::format("{} {} of {} waits for an operator's approval", reply ? "reply" : "post",
                                             decision.decision_id, decision.account_id)},
                     {"description", decision.content.substr(0, 280)},
                     {"suggested_action", "approve or reject it: PATCH /api/decisions/" + decision.decision_id +
                                              " or the console"}};
  out.starts_at_ms = action.created_at_ms;
  out.ends_at_ms = settled_at_ms;
  out.status = settled_at_ms ? ops::alert_status::resolved : ops::alert_status::firing;
  return out;
}

// Notifies `alert` when notify.url is set; a failure only costs the
// notification (the decision waits in the queue and the console anyway).
void notify_operator(store::database& db, const config::troupe_config& config, const ops::alert& alert,
                     std::int64_t now_ms) {
  if (auto notified = ops::notify(db, config, {alert}, now_ms); !notified) {
    spdlog::warn("[APPROVAL] cannot notify decision_id={}: {}", alert.labels.at("decision_id"),
                 notified.failure().message);
  }
}

// The skip reason of a decision whose action ended without an answer, or
// nullopt while the action may still be answered.
std::optional<std::string> unanswered_reason(const std::optional<store::action>& action) {
  if (!action) return approval_dropped_reason;  // pruned, or never linked to a real row
  switch (action->status) {
    case store::action_status::succeeded:
    case store::action_status::cancelled:
      return action->decision == store::auto_skip_decision ? approval_timeout_reason : approval_dropped_reason;
    case store::action_status::dlq: return approval_dropped_reason;
    default: return std::nullopt;
  }
}

// Settles one waiting decision; returns true iff it was skipped.
result<bool> settle_one(store::database& db, const config::troupe_config& config,
                        const store::content_decision& decision, std::int64_t now_ms) {
  if (!decision.aol_action_id) {
    auto requested = request_approval(db, decision, now_ms);
    if (!requested) return requested.failure();
    return false;
  }
  auto action = store::load_action(db, *decision.aol_action_id);
  if (!action) return action.failure();
  const auto reason = unanswered_reason(*action);
  if (!reason) return false;
  if (auto skipped = store::set_decision_status(db, decision.decision_id, store::decision_status::skipped, reason,
                                                now_ms);
      !skipped) {
    return skipped.failure();
  }
  spdlog::info("[APPROVAL] skipped decision_id={} reason={}", decision.decision_id, *reason);
  if (*action) notify_operator(db, config, approval_alert(decision, **action, now_ms), now_ms);
  return true;
}

aol::adapter_outcome answer(store::database& db, const store::content_decision& decision,
                            const std::string& choice, std::int64_t now_ms) {
  const bool approved = choice == approve_decision;
  if (!approved && choice != reject_decision) {
    return aol::adapter_outcome::permanent_failure(
        fmt::format("unknown answer \"{}\" for decision {}: approve or reject", choice, decision.decision_id));
  }
  const auto to = approved ? store::decision_status::queued : store::decision_status::skipped;
  const auto reason = approved ? std::optional<std::string>() : std::optional<std::string>(rejected_reason);
  if (auto moved = store::set_decision_status(db, decision.decision_id, to, reason, now_ms); !moved) {
    return aol::adapter_outcome::retryable(moved.failure().message);
  }
  spdlog::info("[APPROVAL] {} decision_id={}", approved ? "approved" : "rejected", decision.decision_id);
  return aol::adapter_outcome::success();
}

aol::adapter_outcome run_approval(const store::action& action, const aol::adapter_context& context,
                                  const std::string& db_url, int busy_timeout_ms, std::int64_t now_ms) {
  auto payload = aol::payload_object(action);
  if (!payload) return aol::adapter_outcome::permanent_failure(payload.failure().message);
  auto decision_id = aol::string_field(*payload, "decision_id", action, true);
  if (!decision_id) return aol::adapter_outcome::permanent_failure(decision_id.failure().message);
  auto db = store::database::open(db_url, busy_timeout_ms);
  if (!db) return aol::adapter_outcome::retryable(db.failure().message);
  auto decision = store::load_decision(*db, **decision_id);
  if (!decision) return aol::adapter_outcome::retryable(decision.failure().message);
  if (!*decision) return aol::adapter_outcome::permanent_failure("no decision " + **decision_id);
  // Settled elsewhere already (the operator moved it, or it timed out): nothing left to ask.
  if ((*decision)->status != store::decision_status::awaiting_approval) return aol::adapter_outcome::success();
  if (!action.decision) {
    notify_operator(*db, *context.config, approval_alert(**decision, action, std::nullopt), now_ms);
    return aol::adapter_outcome::decision_needed(approval_question(**decision));
  }
  auto answered = answer(*db, **decision, *action.decision, now_ms);
  if (answered.result == aol::adapter_outcome::kind::succeeded) {
    notify_operator(*db, *context.config, approval_alert(**decision, action, now_ms), now_ms);
  }
  return answered;
}

}  // namespace

result<std::int64_t> request_approval(store::database& db, const store::content_decision& decision,
                                      std::int64_t now_ms) {
  store::new_action request;
  request.type = approve_decision_action;
  request.payload_json = boost::json::serialize(boost::json::object{{"decision_id", decision.decision_id}});
  request.idempotency_key = approval_key(decision.decision_id);
  request.max_attempts = 5;  // the asking attempt counts; the rest absorb store hiccups
  auto queued = store::enqueue_action(db, request, now_ms);
  if (!queued) return queued.failure();
  auto linked = store::attach_action(db, decision.decision_id, queued->queued.id);
  if (!linked) return linked.failure();
  if (!*linked) return error{"no decision " + decision.decision_id + " to link its approval to"};
  return queued->queued.id;
}

result<int> settle_approvals(store::database& db, const config::troupe_config& config, std::int64_t now_ms) {
  store::decision_filter waiting;
  waiting.status = store::decision_status::awaiting_approval;
  store::decision_page page;
  page.limit = store::max_decision_page;
  auto listed = store::list_decisions(db, waiting, page);
  if (!listed) return listed.failure();
  int skipped = 0;
  for (const auto& decision : listed->decisions) {
    auto settled = settle_one(db, config, decision, now_ms);
    if (!settled) return settled.failure();
    skipped += *settled ? 1 : 0;
  }
  return skipped;
}

aol::adapter approval_adapter(const config::db_config& db) {
  return [url = db.url, busy_timeout_ms = db.busy_timeout_ms](const store::action& action,
                                                              const aol::adapter_context& context) {
    return run_approval(action, context, url, busy_timeout_ms, system_now_ms());
  };
}

}  // namespace troupe::pipeline
