// The lease holder's side of the action queue `aol_actions` (see
// aol_actions.hpp for the states): claiming due actions under a lease,
// renewing it while an adapter runs, and recording how an attempt ended.
//
// Fencing: every claim increments the action's lease token and returns it;
// each write after that (renew, complete, fail, request_decision) names the
// token and changes the row only while the action is still RUNNING under
// that very token. A holder whose lease expired and whose action was claimed
// again by someone else gets false and has written nothing. A holder whose
// lease expired but which nobody reclaimed yet may still finish: no one else
// ran the action in between.
//
// Crash safety: a RUNNING action whose lease expired is claimable again
// (its holder is presumed dead), unless that claim was its last allowed
// attempt; then the next claim_due_actions moves it to DLQ instead, so an
// action that keeps killing its holder cannot crash-loop the daemon.
//
// Times are milliseconds since the epoch, passed in. Functions use the given
// database only; its contract (one thread at a time) applies. Behaviour is
// identical on SQLite and PostgreSQL; concurrent claimers on separate
// connections never claim the same action twice.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

constexpr int max_claim_batch = 1000;

// Claims at most `max_batch` due actions for `owner` until now + lease_ms:
// PENDING and RETRY actions with next_attempt_at_ms <= now, and RUNNING
// actions whose lease expired (lease_expires_at_ms < now) with attempts
// left. Higher priority first, then earlier next_attempt_at_ms, then lower
// id. Each becomes RUNNING with its attempts and lease token incremented;
// they are returned in that order, as they now stand. First moves expired
// RUNNING actions without attempts left to DLQ. Fails on an empty owner, a
// lease_ms < 1 or a max_batch outside 1..max_claim_batch.
result<std::vector<action>> claim_due_actions(database& db, const std::string& owner,
                                              std::int64_t now_ms, std::int64_t lease_ms,
                                              int max_batch);

// Extends the lease of a RUNNING action to `expires_at_ms`. Returns false
// (fenced) unless the action is RUNNING under `token` and held by `owner`.
result<bool> renew_action_lease(database& db, std::int64_t id, std::int64_t token,
                                const std::string& owner, std::int64_t expires_at_ms);

// Marks a RUNNING action SUCCEEDED. Returns false (fenced, nothing written)
// unless it is RUNNING under `token`.
result<bool> complete_action(database& db, std::int64_t id, std::int64_t token,
                             std::int64_t now_ms);

// An action as claimed: what fenced writes name.
struct claimed_action {
  std::int64_t id = 0;
  std::int64_t token = 0;
};

// complete_action for each of `actions` in one transaction; element i of the
// result says whether actions[i] was completed (false: fenced).
result<std::vector<bool>> complete_actions(database& db, const std::vector<claimed_action>& actions,
                                           std::int64_t now_ms);

// How a failed attempt continues.
struct attempt_failure {
  std::string error;                // stored as last_error
  std::int64_t retry_delay_ms = 0;  // from now until the next attempt (see aol/retry_policy.hpp)
  bool permanent = false;           // no retry whatever the attempts left (e.g. an unknown type)
};

enum class failure_outcome {
  fenced,         // not RUNNING under that token: nothing written
  retrying,       // RETRY, due at now + retry_delay_ms
  dead_lettered,  // DLQ: its attempts were used up, or the failure was permanent
};

// Records a failed attempt of a RUNNING action: RETRY when attempts <
// max_attempts and the failure is not permanent, DLQ otherwise; last_error
// is set either way. Fails on a negative retry delay.
result<failure_outcome> fail_action(database& db, std::int64_t id, std::int64_t token,
                                    const attempt_failure& failure, std::int64_t now_ms);

// Clears the operator's decision of a RUNNING action once its adapter has
// acted on it, so that a later attempt does not act on it again. Returns
// false (fenced) unless it is RUNNING under `token`.
result<bool> consume_decision(database& db, std::int64_t id, std::int64_t token, std::int64_t now_ms);

// Parks a RUNNING action until an operator decides (see decide_action),
// clearing any earlier decision. Returns false (fenced) unless it is RUNNING
// under `token`.
result<bool> request_decision(database& db, std::int64_t id, std::int64_t token,
                              std::int64_t now_ms);

// Puts a RUNNING action back as PENDING without using an attempt up (its
// attempts count goes back down by the claim's one): something outside the
// action holds it back, for example the posting switches. `reason` (not
// empty) is stored as held_reason; it is looked at again from
// `recheck_at_ms` on (or sooner, see wake_held_actions). Returns false
// (fenced) unless it is RUNNING under `token`.
result<bool> hold_action(database& db, std::int64_t id, std::int64_t token,
                         const std::string& reason, std::int64_t recheck_at_ms,
                         std::int64_t now_ms);

// Records a PROOF rehearsal of a RUNNING action: PROOFED with the
// artifact's path, its attempt not used up, until an operator releases it
// (release_proofed_action) for a real run under the same key. Returns false
// (fenced) unless it is RUNNING under `token`.
result<bool> prove_action(database& db, std::int64_t id, std::int64_t token,
                          const std::string& artifact, std::int64_t now_ms);

}  // namespace troupe::store
