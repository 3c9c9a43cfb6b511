// The posting rate limits the orchestrator checks before it posts for an
// account: at most max_posts_per_hour posts of one account in any sliding
// hour, at least min_post_interval_minutes between two posts of one account,
// and optionally at most platform_max_posts_per_hour posts of all accounts
// together in any sliding hour. A sliding hour ending at t is the half-open
// window (t - 3600000, t] in epoch milliseconds, so a post leaves the window
// exactly one hour after it was made.
//
// Pure function of its arguments (the caller passes the time and the
// history); safe to call from any thread. Times must stay well inside the
// int64 range (epoch milliseconds do).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace troupe::content {

// The limits; defaults are the flags' defaults.
struct post_rate_limits {
  int max_posts_per_hour = 4;           // MAX_POSTS_PER_HOUR, per account; <= 0 never allows
  int min_post_interval_minutes = 10;   // MIN_POST_INTERVAL_MINUTES; <= 0 is no minimum
  int platform_max_posts_per_hour = 0;  // all accounts together; <= 0 is no cap
};

// Times (epoch ms) of posts already made or in flight; an in-flight post
// counts at the time the caller gives it, usually now. Any order, duplicates
// allowed; posts older than an hour (or the interval) are ignored.
struct post_history {
  std::vector<std::int64_t> account_posts_ms;   // this account's
  std::vector<std::int64_t> platform_posts_ms;  // every account's, this one's included
};

// Whether the account may post now, and if not, why and from when.
struct rate_verdict {
  bool allowed = true;
  // Empty iff allowed; else "max_posts_per_hour", "min_post_interval" or
  // "platform_max_posts_per_hour".
  std::string reason;
  // Allowed: now. Blocked: the earliest instant >= now at which every limit
  // allows a post if nothing else is posted meanwhile; nullopt when no
  // instant ever does (max_posts_per_hour <= 0).
  std::optional<std::int64_t> possible_at_ms;
};

// Returns the verdict for a post of the account at `now_ms`. Allowed iff
// fewer than max_posts_per_hour account posts lie in (now - 1 h, now], every
// account post p has |now - p| >= the interval (a post later than now blocks
// until p + interval), and, with a cap, fewer than the cap platform posts lie
// in (now - 1 h, now]. When several limits block, the reason is the one that
// alone would lift latest (never counts as latest; ties go to the order
// above). With no post later than now the limits only relax as time passes,
// so possible_at_ms is the latest of the per-limit instants: for an hourly
// limit the (count - max + 1)-th oldest post in the window + 1 h, for the
// interval the latest post + interval. Posts later than now are honoured
// too: possible_at_ms is then still an instant where all limits hold.
rate_verdict check_post_rate(const post_rate_limits& limits, const post_history& history,
                             std::int64_t now_ms);

}  // namespace troupe::content
