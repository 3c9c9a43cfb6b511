// The content pipeline's decisions, `content_metadata`: one row per
// generated post, thread or reply, keyed by its decision id (a UUID as
// text), with the arms that chose it, what the gates saw, and where it is on
// its way to being posted. The plan and reply jobs insert decisions, the
// uniqueness and rotation gates read an account's recent content, the
// posting orchestrator takes the due queued ones, and the API lists them.
//
// States and the moves set_decision_status allows:
//
//   planned --scheduler--> scheduled --executor claims--> posting_attempt
//   posting_attempt --preflight ok--> queued | awaiting_approval;
//                   --preflight deleted, timeout, error--> skipped
//   planned, scheduled --dropped--> skipped    (the reply pipeline's stages)
//   awaiting_approval --approve--> queued;    --reject or time out--> skipped
//   queued --post begins--> posting;          --blocked--> skipped
//   posting --> posted | failed | unconfirmed (outcome unknown: never retried blindly)
//   unconfirmed --reconciled (driver lookup, operator)--> posted | failed;
//               --lookup found nothing, or an operator's retry--> posting
//
// posted, skipped and failed are final. A decision is inserted queued,
// awaiting_approval, skipped (a gate blocked it; the reason is stored) or,
// by the reply planner, planned.
//
// Times are milliseconds since the epoch, always passed in (the functions
// never read a clock). An embedding is stored as a JSON array of numbers
// beside the name of the model that made it. Functions use the given
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

enum class decision_type { single, thread, reply };
enum class decision_status {
  planned,
  scheduled,
  posting_attempt,
  queued,
  awaiting_approval,
  posting,
  posted,
  skipped,
  failed,
  unconfirmed
};
enum class generation_source { synthetic, real };

// Stored names: "single", "thread", "reply"; "planned", "scheduled",
// "posting_attempt", "queued", "awaiting_approval",
// "posting", "posted", "skipped", "failed", "unconfirmed"; "synthetic", "real".
const char* to_string(decision_type type);
const char* to_string(decision_status status);
const char* to_string(generation_source source);
// The value of a stored name (exact, lower case), or nullopt.
std::optional<decision_type> parse_decision_type(std::string_view name);
std::optional<decision_status> parse_decision_status(std::string_view name);
std::optional<generation_source> parse_generation_source(std::string_view name);

// Every value, in declaration order (for listing the allowed names).
std::vector<decision_type> every_decision_type();
std::vector<decision_status> every_decision_status();

// Returns true iff the diagram above allows `from` -> `to`.
bool decision_transition_allowed(decision_status from, decision_status to);

struct content_decision {
  std::string decision_id;  // non-empty, unique (a UUID)
  decision_type type = decision_type::single;
  std::string account_id;
  std::string content;
  std::string bandit_arm;            // the content arm chosen
  std::string timing_arm;            // the timing slot chosen
  std::optional<double> propensity;  // the chosen arm's probability
  std::optional<double> quality_score;
  std::optional<double> predicted_er;  // predicted engagement rate
  generation_source source = generation_source::synthetic;
  decision_status status = decision_status::queued;
  std::optional<std::int64_t> scheduled_at_ms;  // absent: due as soon as queued
  std::string topic_cluster;
  std::string angle;
  std::string content_hash;
  std::string features_json = "{}";             // a JSON object
  std::optional<std::string> skip_reason;       // why it was skipped
  std::optional<std::string> error_message;     // why it failed or is unconfirmed
  std::string pipeline_source;                  // which pipeline made it ("plan", "reply_v2", ...)
  std::optional<std::string> target_post_id;    // a reply's target
  std::optional<std::string> target_author_id;  // a reply's target's author
  std::vector<float> embedding;                 // empty: none
  std::string embedding_model;                  // set iff embedding is
  std::optional<std::int64_t> aol_action_id;    // the approval or post action
  // Set while a post attempt may have reached the platform without its
  // outcome recorded (store/posted_decisions.hpp): the write-ahead mark.
  std::optional<std::int64_t> post_attempt_started_at_ms;
  std::optional<std::int64_t> claimed_at_ms;  // when the reply executor claimed it
  // The runtime preflight of a reply's target: ok, deleted, timeout, error.
  std::optional<std::string> runtime_preflight_status;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;  // when the status last changed
};

// Stores `decision` with created_at and updated_at = now_ms (the two fields
// of `decision` are ignored). Fails on an empty decision id or account, an
// id stored already, an initial status other than queued, awaiting_approval
// or skipped, a skipped decision without a skip_reason, features that are
// not a JSON object, an embedding with a non-finite value, or an embedding
// without its model (or a model without an embedding).
status insert_decision(database& db, const content_decision& decision, std::int64_t now_ms);

// The decision with that id, or nullopt.
result<std::optional<content_decision>> load_decision(database& db, const std::string& decision_id);

// Moves a decision to `to` if decision_transition_allowed(its status, to),
// atomically with the check, setting updated_at = now_ms and clearing the
// post attempt's mark (the new status says what is known). `reason` is
// required for skipped (stored as skip_reason) and failed (error_message),
// optional for unconfirmed (error_message), and refused for other targets.
// Fails, saying why, on an unknown decision or a move the diagram forbids.
status set_decision_status(database& db, const std::string& decision_id, decision_status to,
                           const std::optional<std::string>& reason, std::int64_t now_ms);

// Links the decision to its approval or post action (replacing an earlier
// link). Returns false when there is no such decision; fails when the action
// is linked to another decision.
result<bool> attach_action(database& db, const std::string& decision_id,
                           std::int64_t aol_action_id);

// The decision linked to that action, or nullopt.
result<std::optional<content_decision>> find_decision_by_action(database& db,
                                                                std::int64_t aol_action_id);

// What the uniqueness and rotation gates compare a new candidate with.
struct recent_content {
  std::string decision_id;
  std::vector<float> embedding;  // empty: none
  std::string embedding_model;
  std::string topic_cluster;
  std::string angle;
  std::int64_t created_at_ms = 0;
};

// The account's decisions created at or after since_ms, except skipped ones,
// newest first.
result<std::vector<recent_content>> recent_account_content(database& db,
                                                           const std::string& account_id,
                                                           std::int64_t since_ms);

// Which decisions to list: every filter that is set must match.
struct decision_filter {
  std::optional<decision_status> status;
  std::optional<decision_type> type;
  std::optional<std::string> pipeline_source;
  std::optional<std::string> account_id;
};

constexpr int max_decision_page = 500;

struct decision_page {
  int limit = 50;           // 1..max_decision_page
  std::int64_t offset = 0;  // >= 0
};

struct decision_listing {
  std::vector<content_decision> decisions;  // newest first (created_at, then id, descending)
  std::int64_t total = 0;                   // how many match the filter, over all pages
};

// A page of the matching decisions and their total. Fails on a limit
// outside 1..max_decision_page or a negative offset.
result<decision_listing> list_decisions(database& db, const decision_filter& filter,
                                        const decision_page& page);

// How many decisions are in each status; every status is present (0 if none).
result<std::map<decision_status, std::int64_t>> count_decisions_by_status(database& db);

// At most `limit` (>= 1) queued decisions due at now_ms (scheduled_at <=
// now_ms, or none), of `source` when one is given, oldest first (by
// scheduled_at, else created_at). The posting orchestrator posts real ones only.
result<std::vector<content_decision>> due_queued_decisions(
    database& db, std::int64_t now_ms, int limit,
    std::optional<generation_source> source = generation_source::real);

// ---- the reply pipeline's stages ----------------------------------------------

// planned -> scheduled at `at_ms`, now made by `pipeline_source`. Returns
// false when the decision is not planned (any more).
result<bool> schedule_decision(database& db, const std::string& decision_id, std::int64_t at_ms,
                               const std::string& pipeline_source, std::int64_t now_ms);

// Claims at most `limit` (>= 1) reply decisions for the executor, oldest
// scheduled_at first: scheduled ones due at now_ms, and claims older than
// `stale_before_ms` (an executor that died mid-preflight; the preflight
// changes nothing outside, so running it again is safe). Each becomes
// posting_attempt with claimed_at = now_ms, atomically with the check: of
// two executors, one gets a decision.
result<std::vector<content_decision>> claim_scheduled_replies(database& db, std::int64_t now_ms, int limit,
                                                              std::int64_t stale_before_ms);

// Records the preflight's answer of a claimed (posting_attempt) decision in
// runtime_preflight_status and in features.runtime_preflight_status. Fails
// on an answer other than ok, deleted, timeout, error; returns false when the
// decision is not posting_attempt.
result<bool> record_preflight(database& db, const std::string& decision_id, const std::string& preflight_status,
                              std::int64_t now_ms);

}  // namespace troupe::store
