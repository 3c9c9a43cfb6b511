// Posts an account could reply to, `reply_opportunities`: the harvester
// records each (account, target post) once, the reply planner reads the open
// ones and takes one for a decision. A take succeeds once: of two planners
// taking the same opportunity, exactly one gets true.
//
//   open --take_opportunity--> taken (with the decision's id)
//
// skipped and expired are allowed by the table for the planner and the
// cleanup job; no function here moves a row there yet.
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

struct new_reply_opportunity {
  std::string account_id;      // non-empty
  std::string target_post_id;  // non-empty
  std::string target_author_id;
  std::string target_text;
  std::string target_url;
  std::int64_t discovered_at_ms = 0;
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
};

// Records an open opportunity and returns its id, or nullopt when the
// account has that target already (whatever its status). Fails on an empty
// account or target.
result<std::optional<std::int64_t>> insert_opportunity(database& db,
                                                       const new_reply_opportunity& found);

// At most `limit` (>= 1) open opportunities of the account (of every account
// when nullopt), most recently discovered first.
result<std::vector<reply_opportunity>> open_opportunities(
    database& db, const std::optional<std::string>& account_id, int limit);

// Marks an open opportunity taken by the decision at now_ms. Returns false
// when it is not open (taken already, skipped, expired) or does not exist.
// Fails on an empty decision id.
result<bool> take_opportunity(database& db, std::int64_t id, const std::string& decision_id,
                              std::int64_t now_ms);

// The opportunity with that id, or nullopt.
result<std::optional<reply_opportunity>> load_opportunity(database& db, std::int64_t id);

}  // namespace troupe::store
