// What a post attempt and a reconcile came to, read off the driver's
// outcome, and the operator's answers to an unconfirmed post. Pure
// functions; the posting pipeline (runtime/pipeline/posting.hpp) acts on
// them.
//
// Publishing is irreversible, so an outcome is `unknown` whenever the
// platform may have the post although the driver did not say so: a timeout,
// a cancel (the daemon stopping, the lease lost), a death by a signal, or
// exit 0 without a post id. Only outcomes the driver contract makes certain
// are retried (exit 2: nothing was posted) or failed (exit 1, 3, 4, or a
// driver that never started).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "runtime/driver/outcome.hpp"

namespace troupe::content {

struct post_result {
  enum class kind {
    posted,      // post_id is the platform's id
    not_posted,  // transient: nothing was posted, another attempt may post
    failed,      // permanent: nothing was posted and retrying will not help
    unknown,     // it may have been posted: reconcile, never retry blindly
  };
  kind result = kind::unknown;
  std::string post_id;
  std::string reason;  // every kind but posted: why, for the decision and the log
};

// The result of the `post` verb's run.
post_result classify_post(const driver::driver_outcome& outcome);

struct lookup_result {
  enum class kind {
    found,      // post_id is the platform's id
    not_found,  // the platform has no post under the key
    unknown,    // the driver cannot tell
  };
  kind result = kind::unknown;
  std::string post_id;
  std::string reason;  // unknown: why
};

// The result of the `lookup --idempotency-key K` verb's run: exit 0 with
// {"found": true, "post_id": ...} or {"found": false}; anything else
// (another exit, no result, found without an id) cannot tell.
lookup_result classify_lookup(const driver::driver_outcome& outcome);

// An operator's answer to "was it posted?": "posted:<platform id>",
// "retry" (post again under the same key) or "drop" (the decision fails).
struct operator_answer {
  enum class kind { mark_posted, retry, drop };
  kind answer = kind::retry;
  std::string post_id;  // mark_posted: the id the operator found
};

constexpr const char* answer_retry = "retry";
constexpr const char* answer_drop = "drop";
constexpr const char* answer_posted_prefix = "posted:";

// The answer `text` gives, or nullopt when it is none of the three.
std::optional<operator_answer> parse_operator_answer(std::string_view text);

}  // namespace troupe::content
