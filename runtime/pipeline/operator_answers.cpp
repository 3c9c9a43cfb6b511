#include "runtime/pipeline/operator_answers.hpp"

#include "runtime/pipeline/approval.hpp"
#include "runtime/store/aol_actions.hpp"

namespace troupe::pipeline {
namespace {

constexpr const char* op_usage =
    "the op is \"approve\" or \"reject\" (awaiting approval), or \"mark_posted\" with a post id, \"retry\" or "
    "\"drop\" (unconfirmed)";

std::string quoted(const std::string& text) { return "'" + text + "'"; }

bool approval(const operator_op& op) { return op.applies_to == store::decision_status::awaiting_approval; }

operator_answer refused(operator_answer::kind kind, std::string message) { return {kind, 0, std::move(message)}; }

// Why `decision` cannot take `op` as it stands, or nullopt.
std::optional<operator_answer> not_decidable(const store::content_decision& decision, const operator_op& op) {
  const std::string named = "decision " + quoted(decision.decision_id);
  if (decision.status != op.applies_to) {
    return refused(operator_answer::kind::wrong_status,
                   named + " is " + store::to_string(decision.status) + ": only an " +
                       store::to_string(op.applies_to) + " decision can " +
                       (approval(op) ? "be approved or rejected" : "be marked posted, retried or dropped"));
  }
  if (!decision.aol_action_id) {
    return refused(operator_answer::kind::no_action, named + " is " + store::to_string(decision.status) +
                                                         " but linked to no " +
                                                         (approval(op) ? "approval" : "post") + " action");
  }
  return std::nullopt;
}

// Why the waiting action of `decision` took no answer: it is not waiting for
// one (any more, or not yet: an unconfirmed post's lookup comes first), or
// it is gone.
std::string refusal_of_action(store::database& db, const store::content_decision& decision, const operator_op& op) {
  const auto action_id = *decision.aol_action_id;
  const std::string named = "decision " + quoted(decision.decision_id) + ": its " +
                            (approval(op) ? "approval" : "post") + " action " + std::to_string(action_id);
  auto action = store::load_action(db, action_id);
  if (action && *action) return named + " is " + store::to_string((*action)->status) + ", not NEEDS_DECISION";
  if (action) return named + " no longer exists";
  return named + " is not waiting for a decision";
}

}  // namespace

result<operator_op> parse_operator_op(const std::string& name, const std::optional<std::string>& post_id) {
  if (name == approve_decision || name == reject_decision) {
    return operator_op{name, store::decision_status::awaiting_approval, name};
  }
  if (name == "mark_posted") {
    if (!post_id || post_id->empty()) return error{"\"mark_posted\" needs the platform's id of the post (post_id)"};
    return operator_op{name, store::decision_status::unconfirmed, "posted:" + *post_id};
  }
  if (name == "retry" || name == "drop") return operator_op{name, store::decision_status::unconfirmed, name};
  return error{op_usage};
}

result<operator_answer> answer_decision(store::database& db, const std::string& decision_id, const operator_op& op,
                                        std::int64_t now_ms) {
  auto found = store::load_decision(db, decision_id);
  if (!found) return found.failure();
  if (!*found) return refused(operator_answer::kind::no_decision, "no decision " + quoted(decision_id));
  const auto& decision = **found;
  if (auto refusal = not_decidable(decision, op)) return *refusal;
  // decide_action checks the action's state atomically: a second answer, or
  // a timeout in between, finds it no longer waiting.
  auto decided = store::decide_action(db, *decision.aol_action_id, op.answer, now_ms);
  if (!decided) return decided.failure();
  if (!*decided) return refused(operator_answer::kind::not_waiting, refusal_of_action(db, decision, op));
  return operator_answer{operator_answer::kind::answered, *decision.aol_action_id, ""};
}

}  // namespace troupe::pipeline
