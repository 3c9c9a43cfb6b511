// Publishing a decision, as the store records it: the write-ahead mark of a
// post attempt, the one transaction that records a post, and the post times
// the rate limits count. The posting pipeline (runtime/pipeline/posting.hpp)
// is the writer; the API reads.
//
// A post attempt goes: begin_post_attempt (the mark) -> the driver's `post`
// -> record_post (the outcome is known and it posted), or a status change
// (content_decisions.hpp: failed, unconfirmed, ...; every change clears the
// mark). A mark found set by a later attempt means an earlier one may have
// posted without reporting: that attempt reconciles before it posts.
//
// Times are milliseconds since the epoch, always passed in. Same contract as
// content_decisions.hpp: one thread at a time per database; identical on
// SQLite and PostgreSQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

// The system_events kinds of a post and of a reply.
constexpr const char* post_success_event = "POST_SUCCESS";
constexpr const char* reply_success_event = "REPLY_SUCCESS";

// Sets the mark of a posting decision to now_ms. Returns false (nothing
// written) when the decision is not posting.
result<bool> begin_post_attempt(database& db, const std::string& decision_id, std::int64_t now_ms);

// Clears the mark: the attempt ended and nothing was posted.
status clear_post_attempt(database& db, const std::string& decision_id);

// Records that the decision was posted as `platform_post_id`, in one
// transaction: a posted_decisions row (posted_at = now_ms), status posted
// (from posting or unconfirmed), the mark cleared, features.tweet_id = the
// id, a POST_SUCCESS (REPLY_SUCCESS for a reply) row in system_events, and
// for a reply its opportunity's replied_to. Returns false, writing nothing, when the decision is posted already.
// Fails on an empty id, an unknown decision, or any other status.
result<bool> record_post(database& db, const std::string& decision_id,
                         const std::string& platform_post_id, std::int64_t now_ms);

// A post the rate limits count.
struct post_time {
  std::string account_id;
  std::int64_t at_ms = 0;
};

// Every post at or after since_ms (posted_decisions), and every decision
// posting or unconfirmed counted at now_ms: it may reach the platform at any
// moment. Ordered by account, then time.
result<std::vector<post_time>> recent_post_times(database& db, std::int64_t since_ms,
                                                 std::int64_t now_ms);

// When the newest post was recorded, or nullopt when nothing was ever posted.
result<std::optional<std::int64_t>> latest_post_at(database& db);

// The platform's id of a posted decision, or nullopt.
result<std::optional<std::string>> platform_post_id(database& db, const std::string& decision_id);

}  // namespace troupe::store
