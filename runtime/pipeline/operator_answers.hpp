// An operator's answer to a decision that waits for one, whoever gives it
// (PATCH /api/decisions/{id}, `troupe decisions`, the console):
//   - awaiting_approval: "approve" or "reject" (approval.hpp);
//   - unconfirmed (its post's lookup could not tell whether the post
//     happened): "mark_posted" with the platform's post id, "retry" or
//     "drop" (posting.hpp).
// The answer goes to the decision's waiting action (NEEDS_DECISION); the
// action's adapter moves the decision when the loop next runs it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/result.hpp"
#include "runtime/store/content_decisions.hpp"
#include "runtime/store/database.hpp"

namespace troupe::pipeline {

struct operator_op {
  std::string op;  // approve, reject, mark_posted, retry, drop
  store::decision_status applies_to = store::decision_status::awaiting_approval;
  std::string answer;  // what the action gets: the op, or "posted:<id>" for mark_posted
};

// The op named `name` (mark_posted needs a non-empty `post_id`), or why not.
result<operator_op> parse_operator_op(const std::string& name, const std::optional<std::string>& post_id);

// What answering came to.
struct operator_answer {
  enum class kind {
    answered,       // the action took the answer
    no_decision,    // no such decision
    wrong_status,   // the decision is not in the op's status
    no_action,      // the decision is linked to no action
    not_waiting,    // its action does not wait for an answer (any more, or not yet)
  };
  kind result = kind::answered;
  std::int64_t action_id = 0;  // answered: the action answered
  std::string message;         // otherwise: why, for the operator
};

// Gives `op`'s answer to the waiting action of `decision_id`; an error only
// when the database fails.
result<operator_answer> answer_decision(store::database& db, const std::string& decision_id, const operator_op& op,
                                        std::int64_t now_ms);

}  // namespace troupe::pipeline
