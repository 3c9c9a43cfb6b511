// Posts an account could reply to, `reply_opportunities`: the harvester
// records each target post once (two accounts never reply to the same post),
// the reply planner reads the fresh open ones and takes one for a decision.
// A take succeeds once: of two planners taking the same opportunity, exactly
// one gets true.
//
//   open --take_opportunity--> taken (with the decision's id)
//   taken --the executor's preflight stopped the reply--> skipped (preflight_status)
//   replied_to becomes true when the reply is posted (store::record_post).
//
// expired is allowed by the table for the cleanup job.
//
// Times are milliseconds since the epoch, always passed in. Functions use
// the given database only; its contract (one thread at a time) applies.
// Behaviour is identical on SQLite and PostgreSQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

enum class opportunity_status { open, taken, skipped, expired };

// Stored names: "open", "taken", "skipped", "expired".
const char* to_string(opportunity_status status);
std::optional<opportunity_status> parse_opportunity_status(std::string_view name);

// What the harvester saw of a post and its author.
struct target_metrics {
  std::optional<std::int64_t> posted_at_ms;  // when the target was posted, if the driver said
  std::int64_t author_followers = 0;
  std::int64_t likes = 0;
  std::int64_t replies = 0;
  std::int64_t reposts = 0;
};

struct new_reply_opportunity {
  std::string account_id;      // non-empty
  std::string target_post_id;  // non-empty
  std::string target_author_id;
  std::string target_text;
  std::string target_url;
  std::int64_t discovered_at_ms = 0;
  target_metrics metrics;
};

struct reply_opportunity {
  std::int64_t id = 0;
  std::string account_id;
  std::string target_post_id;
  std::string target_author_id;
  std::string target_text;
  std::string target_url;
  std::int64_t discovered_at_ms = 0;
  opportunity_status status = opportunity_status::open;
  std::optional<std::string> decision_id;  // set when taken
  std::optional<std::int64_t> taken_at_ms;
  target_metrics metrics;
  bool replied_to = false;
  std::optional<std::string> preflight_status;  // why the executor stopped its reply
};

// When the target was posted, or when it was found if the driver did not say.
std::int64_t target_time_ms(const reply_opportunity& opportunity);

// Records an open opportunity and returns its id, or nullopt when that
// target is recorded already (for any account, whatever its status). Fails
// on an empty account or target.
result<std::optional<std::int64_t>> insert_opportunity(database& db,
                                                       const new_reply_opportunity& found);

// Marks an open opportunity taken by the decision at now_ms. Returns false
// when it is not open (taken already, skipped, expired) or does not exist.
// Fails on an empty decision id.
result<bool> take_opportunity(database& db, std::int64_t id, const std::string& decision_id,
                              std::int64_t now_ms);

// The opportunity with that id, or nullopt.
result<std::optional<reply_opportunity>> load_opportunity(database& db, std::int64_t id);

// The opportunity the decision took, or nullopt.
result<std::optional<reply_opportunity>> opportunity_of_decision(database& db, const std::string& decision_id);

// At most `limit` (>= 1) open, not replied opportunities whose target was
// posted (else found) at or after `since_ms`, freshest first.
result<std::vector<reply_opportunity>> fresh_opportunities(database& db, std::int64_t since_ms, int limit);

// How many open, not replied opportunities of the account have a target
// posted (else found) at or after `since_ms`: the harvester's freshness.
result<std::int64_t> count_fresh_opportunities(database& db, const std::string& account_id, std::int64_t since_ms);

// Marks the opportunity the decision took: skipped, with the preflight's
// answer. Returns false when no opportunity was taken by that decision.
result<bool> mark_preflight_stop(database& db, const std::string& decision_id, const std::string& preflight_status);

// The opportunities in numbers, for diagnostics.
struct opportunity_summary {
  std::int64_t total = 0;
  std::int64_t fresh_24h = 0;  // open, not replied, target younger than 24 h
  std::int64_t fresh_12h = 0;
  std::optional<std::int64_t> oldest_ms;  // target times (target_time_ms) of every row
  std::optional<std::int64_t> newest_ms;
};
result<opportunity_summary> summarize_opportunities(database& db, std::int64_t now_ms);

}  // namespace troupe::store
