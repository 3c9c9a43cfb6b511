// Human approval of live content, on the durable action queue: a decision
// that waits (awaiting_approval) is backed by one APPROVE_DECISION action
// (payload {"decision_id": ...}, key "approve:<decision id>"). Its first
// attempt asks the operator (NEEDS_DECISION, with the text in the question);
// the operator's "approve" or "reject" (PATCH /api/decisions/{id}, PATCH
// /api/actions/{id}, the console) runs it again, and the decision becomes
// queued or skipped ("rejected"). An action that ends without an answer
// (the AOL's decision timeout, aol.decisionTimeoutMs, an operator's skip or
// cancel, a pruned row) skips its decision at the next settle: a decision
// that was not approved is never posted.
#pragma once

#include <cstdint>
#include <string>

#include "config/config.hpp"
#include "runtime/aol/adapters.hpp"
#include "runtime/result.hpp"
#include "runtime/store/content_decisions.hpp"
#include "runtime/store/database.hpp"

namespace troupe::pipeline {

constexpr const char* approve_decision_action = "APPROVE_DECISION";
constexpr const char* approve_decision = "approve";
constexpr const char* reject_decision = "reject";

// The skip reasons of a decision that was not approved.
constexpr const char* rejected_reason = "rejected";
constexpr const char* approval_timeout_reason = "approval_timeout";
constexpr const char* approval_dropped_reason = "approval_dropped";

// Enqueues the decision's APPROVE_DECISION action (once per decision: the
// key is idempotent) and links it to the decision. Returns the action's id.
result<std::int64_t> request_approval(store::database& db, const store::content_decision& decision,
                                      std::int64_t now_ms);

// Brings every awaiting_approval decision in line with its action: one
// without an action gets one (a crash between insert and enqueue), one whose
// action ended without an answer is skipped (approval_timeout for the AOL's
// auto-skip, approval_dropped otherwise) and its notification resolved.
// Returns how many were skipped.
result<int> settle_approvals(store::database& db, const config::troupe_config& config, std::int64_t now_ms);

// The APPROVE_DECISION adapter: opens the database `db` names for each
// attempt and reads the system clock. Approving changes only Troupe's own
// store, so PROOF mode does not rehearse it. With notify.url set (the
// context's config), the operator is notified (runtime/ops/notify.hpp) when
// the question is asked (alertname decision_awaiting_approval, firing) and
// when it is answered or the decision skipped (resolved).
aol::adapter approval_adapter(const config::db_config& db);

}  // namespace troupe::pipeline
