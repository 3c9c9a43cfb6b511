// The durable action queue `aol_actions`, the side of it that enqueues,
// reads and administers actions: enqueue with an idempotency key, load,
// list, count, operator transitions (decide, retry from DLQ, cancel) and the
// pruning of old finished rows. The lease holder's side (claim, renew,
// complete, fail) is in aol_claims.hpp.
//
// States and who moves an action between them:
//
//   PENDING --claim--> RUNNING --complete--> SUCCEEDED
//   RETRY   --claim--> RUNNING --fail-------> RETRY, or DLQ when its attempts are used up
//                      RUNNING --request_decision--> NEEDS_DECISION
//                      RUNNING, lease expired --claim--> RUNNING (new token)
//   NEEDS_DECISION --decide--> PENDING (decision stored), SUCCEEDED ("skip"),
//                              CANCELLED ("cancel"); --timeout--> SUCCEEDED ("auto-skip")
//   DLQ --retry_dead_action--> PENDING (attempts reset to 0)
//                      RUNNING --hold (aol_claims.hpp)--> PENDING, held_reason set, attempt given back
//                      RUNNING --prove (aol_claims.hpp)--> PROOFED, attempt given back
//   PROOFED --release_proofed_action--> PENDING (a real run under the same key)
//   PENDING, RETRY, NEEDS_DECISION, DLQ, PROOFED --cancel--> CANCELLED
//
// A RUNNING action cannot be cancelled: its holder may be producing the
// effect at that very moment, and a cancel could not stop it. SUCCEEDED and
// CANCELLED are final and are what prune_terminal_actions deletes; a DLQ or
// PROOFED action stays until an operator acts on it.
//
// Times are milliseconds since the epoch, always passed in (the functions
// never read a clock), so tests run on virtual time. Functions use the given
// database only; its contract (one thread at a time) applies. Behaviour is
// identical on SQLite and PostgreSQL.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

enum class action_status {
  pending,
  running,
  succeeded,
  retry,
  dlq,
  needs_decision,
  cancelled,
  proofed
};

// The stored name: "PENDING", "RUNNING", "SUCCEEDED", "RETRY", "DLQ",
// "NEEDS_DECISION", "CANCELLED", "PROOFED".
const char* to_string(action_status status);
// The status of a stored name (exact, upper case), or nullopt.
std::optional<action_status> parse_action_status(std::string_view name);

struct action {
  std::int64_t id = 0;
  std::string type;
  std::string payload_json;
  std::string idempotency_key;
  action_status status = action_status::pending;
  int priority = 0;  // higher runs first
  int attempts = 0;  // claims so far (since the last retry from DLQ)
  int max_attempts = 3;
  std::int64_t run_at_ms = 0;           // as enqueued
  std::int64_t next_attempt_at_ms = 0;  // when it is next due
  // Set while RUNNING: who holds it and until when.
  std::optional<std::string> lease_owner;
  std::optional<std::int64_t> lease_expires_at_ms;
  // Grows by one with every claim; 0 before the first. The fencing token.
  std::int64_t lease_token = 0;
  std::optional<std::string> last_error;
  std::optional<std::string> decision;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  // When it became SUCCEEDED, CANCELLED or DLQ.
  std::optional<std::int64_t> finished_at_ms;
  // Why it waits, PENDING, without using an attempt up (the posting
  // switches, no runner, ...); cleared once an attempt runs to an outcome.
  std::optional<std::string> held_reason;
  // The artifact of its last PROOF rehearsal, if any.
  std::optional<std::string> proof_artifact;
};

struct new_action {
  std::string type;                       // non-empty, e.g. POST_SOCIAL
  std::string payload_json = "{}";        // a JSON document
  std::string idempotency_key;            // non-empty; unique over the queue
  int priority = 0;                       // higher runs first
  std::optional<std::int64_t> run_at_ms;  // not before; now when absent
  int max_attempts = 3;                   // >= 1
};

struct enqueue_outcome {
  action queued;
  bool created = false;  // false: the key was already queued, `queued` is that action
};

// Adds an action, PENDING and due at run_at_ms, unless one with the same
// idempotency key exists: then returns that one as it stands (whatever its
// state; the new type and payload are ignored) with created = false. Safe
// under concurrent callers on separate connections: one row per key, and
// every caller gets its id. Keys stay taken until the action is pruned.
// Fails on an empty type or key, a payload that is not JSON, or
// max_attempts < 1.
result<enqueue_outcome> enqueue_action(database& db, const new_action& request,
                                       std::int64_t now_ms);

constexpr int max_enqueue_batch = 1000;

// enqueue_action for each of `requests`, all written by one statement (one
// transaction: all of them or none): element i of the result is the outcome
// of requests[i]. A key seen before, in the queue or earlier in the same
// batch, answers that action with created = false. Checks every request
// before writing any: fails naming the first bad item (from 0), or on more
// than max_enqueue_batch requests. An empty batch writes nothing.
result<std::vector<enqueue_outcome>> enqueue_actions(database& db,
                                                     const std::vector<new_action>& requests,
                                                     std::int64_t now_ms);

// The action with that id, or nullopt.
result<std::optional<action>> load_action(database& db, std::int64_t id);

// Which actions to list: every filter that is set must match; actions come
// by ascending id after `after_id` (pass a page's last id to get the next).
struct action_query {
  std::optional<action_status> status;
  std::optional<std::string> type;
  std::int64_t after_id = 0;
  int limit = 100;  // 1..max_action_page
};

constexpr int max_action_page = 1000;

// At most query.limit matching actions by ascending id. Fails on a limit
// outside 1..max_action_page.
result<std::vector<action>> list_actions(database& db, const action_query& query);

// How many actions are in each status; every status is present (0 if none).
result<std::map<action_status, std::int64_t>> count_actions_by_status(database& db);

// The queue's backlog in those counts: the actions waiting to run (PENDING and RETRY).
std::int64_t waiting_actions(const std::map<action_status, std::int64_t>& counts);

// The decisions that end an action instead of running it again.
constexpr const char* skip_decision = "skip";            // -> SUCCEEDED
constexpr const char* cancel_decision = "cancel";        // -> CANCELLED
constexpr const char* auto_skip_decision = "auto-skip";  // written by skip_expired_decisions only

// Answers a NEEDS_DECISION action: "skip" marks it SUCCEEDED without running
// it again (the question made it moot), "cancel" makes it CANCELLED, and any
// other decision stores it and makes the action PENDING, due now, for its
// adapter to read on the next attempt (the attempt that asked counts
// against max_attempts). Returns false when the action is not waiting for a
// decision (or does not exist). Fails on an empty decision or "auto-skip".
result<bool> decide_action(database& db, std::int64_t id, const std::string& decision,
                           std::int64_t now_ms);

constexpr std::int64_t default_decision_timeout_ms = 24LL * 60 * 60 * 1000;

// Skips every action that has waited for a decision for at least
// `timeout_ms` (since it entered NEEDS_DECISION): SUCCEEDED with the
// decision "auto-skip", like an operator's "skip". Returns how many.
result<std::int64_t> skip_expired_decisions(database& db, std::int64_t now_ms,
                                            std::int64_t timeout_ms = default_decision_timeout_ms);

// Puts a DLQ action back in the queue: PENDING, due now, attempts reset to 0
// (its last error stays for the record). Returns false when the action is
// not in DLQ (or does not exist).
result<bool> retry_dead_action(database& db, std::int64_t id, std::int64_t now_ms);

// Sends a PROOFED action back to PENDING, due now, for a real run under the
// same key. Returns false when the action is not PROOFED (or does not exist).
result<bool> release_proofed_action(database& db, std::int64_t id, std::int64_t now_ms);

// Makes every held action (PENDING with a held_reason) due now, so that the
// next claim looks at it again; returns how many. For when what held them
// may have changed (the posting switches).
result<std::int64_t> wake_held_actions(database& db, std::int64_t now_ms);

// Cancels a PENDING, RETRY, NEEDS_DECISION, DLQ or PROOFED action. Returns false when
// it is in another state (RUNNING, SUCCEEDED, CANCELLED) or does not exist.
result<bool> cancel_action(database& db, std::int64_t id, std::int64_t now_ms);

// Deletes the SUCCEEDED and CANCELLED actions that finished before
// `finished_before_ms`, with their execution logs, and returns how many
// actions went. DLQ actions are kept: they wait for an operator. A pruned
// action's idempotency key can be enqueued again.
result<std::int64_t> prune_terminal_actions(database& db, std::int64_t finished_before_ms);

}  // namespace troupe::store
