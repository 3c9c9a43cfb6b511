// Publishing decisions through the durable action queue.
//
// The posting orchestrator (`job:posting`, every jobs.posting.everyMs) takes
// the due queued decisions, oldest first. While posting_allowed() says no it
// logs "[POSTING_ORCHESTRATOR] skipped decision_id=... reason=..." once per
// decision and reason and leaves them queued. Otherwise it enqueues up to
// jobs.posting.batch POST_SOCIAL actions a run, keyed by the decision id,
// with 4 attempts (3 retries with the queue's exponential backoff), and the
// decision becomes posting. A decision whose post would break a rate limit
// (MAX_POSTS_PER_HOUR, MIN_POST_INTERVAL_MINUTES,
// content.platformMaxPostsPerHour: runtime/content/rate_limits.hpp) waits,
// queued, logged once per decision and reason with the time it becomes
// possible; it does not hold up other accounts' decisions. Synthetic
// content (written in shadow mode without the LLM) is never posted: once
// posting is allowed it is skipped (`synthetic_content`). A run also
// settles decisions whose post action ended without settling them.
//
// A post attempt (the POST_SOCIAL adapter of a payload with "decision_id"):
//   - reads the decision: posted -> done; skipped, failed -> nothing to do;
//   - unconfirmed, or posting with the write-ahead mark of an earlier
//     attempt set (it may have posted; store/posted_decisions.hpp) ->
//     reconcile: the driver's `lookup --idempotency-key K`: found -> posted
//     with that id; not found -> one more attempt; cannot tell -> the action
//     asks an operator (NEEDS_DECISION): "posted:<platform id>", "retry" or
//     "drop";
//   - posts: posting_allowed() (else held), renews the action's lease, sets
//     the mark, runs the `post` verb with a timeout below the lease's time
//     left, and acts on its result (runtime/content/publishing.hpp): posted
//     -> store::record_post; not posted (exit 2) -> retry; failed ->
//     decision failed; unknown -> decision unconfirmed, reconciled by the
//     next attempt (an unknown outcome right after an operator's "retry"
//     asks the operator again).
// PROOF mode rehearses the post (its artifact) and changes nothing.
//
// Log lines: "[POSTING] posted decision_id=... post_id=...", "[POSTING]
// unconfirmed decision_id=... reason=...", "[POSTING] reconciled
// decision_id=... found=...".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "config/config.hpp"
#include "runtime/aol/adapters.hpp"
#include "runtime/content/rate_limits.hpp"
#include "runtime/jobs/job_body.hpp"
#include "runtime/store/posted_decisions.hpp"

namespace troupe::pipeline {

constexpr const char* post_social_action = "POST_SOCIAL";
constexpr int post_max_attempts = 4;  // the first and 3 retries
// The driver's `post` timeout stays this far inside the action's lease.
constexpr std::chrono::milliseconds post_lease_margin{5'000};
// The shortest post timeout a lease may leave; below it, aol.actionLeaseMs is too short.
constexpr std::chrono::milliseconds min_post_timeout{10'000};
// The time a `lookup` may take.
constexpr std::chrono::milliseconds lookup_timeout{60'000};

constexpr const char* synthetic_content_reason = "synthetic_content";
constexpr const char* dropped_by_operator_reason = "dropped by an operator: outcome unknown";

// The POST_SOCIAL adapter: decision-aware for a payload naming a
// "decision_id" (opening the database `db` names for each attempt), the
// built-in aol::post_social otherwise. `now_ms` is the clock.
aol::adapter posting_adapter(const config::db_config& db, std::function<std::int64_t()> now_ms);

// Adds the content pipeline's adapters to `registry`: APPROVE_DECISION
// (approval.hpp) and the decision-aware POST_SOCIAL, on the system clock.
void add_content_adapters(aol::adapter_registry& registry, const config::db_config& db);

// How far back the orchestrator reads the posts the rate limits count.
constexpr std::int64_t post_history_ms = 3'600'000;

// The rate limits in force: the effective flags' per-account limits and
// the config's platform cap.
content::post_rate_limits post_rate_limits_of(const config::troupe_config& config,
                                              const config::flags_config& flags);

// The history check_post_rate needs for `account` out of every account's
// recent posts (store::recent_post_times).
content::post_history post_history_of(const std::vector<store::post_time>& posts,
                                      const std::string& account);

// What the orchestrator remembers between runs: which skips and waits it
// has logged (once per decision and reason). Thread-safe.
class posting_memory {
 public:
  // Returns true the first time `decision_id` is seen with `reason` since
  // it was last forgotten.
  bool first_time(const std::string& decision_id, const std::string& reason);
  // Forgets every decision not in `still_due`.
  void keep_only(const std::set<std::string>& still_due);

 private:
  std::mutex mutex_;
  std::map<std::string, std::set<std::string>> logged_;
};

struct posting_services {
  std::function<config::flags_config(const config::troupe_config&)> flags;
  std::function<std::int64_t()> now_ms;
  std::shared_ptr<posting_memory> memory = std::make_shared<posting_memory>();
  // Called with the reason of each skip or wait logged (once per decision
  // and reason), for the metrics; may be empty.
  std::function<void(const std::string&)> on_skip;
};

// One run of the posting orchestrator.
jobs::job_result run_posting(const jobs::job_run_context& run, const posting_services& services);

}  // namespace troupe::pipeline
