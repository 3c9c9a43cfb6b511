#include "runtime/content/rate_limits.hpp"

#include <algorithm>
#include <iterator>
#include <limits>

#include "runtime/time_units.hpp"

namespace troupe::content {
namespace {

using time_units::hour_ms;
using time_units::minute_ms;

// t + delta and t - delta for delta >= 0, clamped to the int64 range.
std::int64_t later(std::int64_t t, std::int64_t delta) {
  return t > std::numeric_limits<std::int64_t>::max() - delta
             ? std::numeric_limits<std::int64_t>::max()
             : t + delta;
}
std::int64_t earlier(std::int64_t t, std::int64_t delta) {
  return t < std::numeric_limits<std::int64_t>::min() + delta
             ? std::numeric_limits<std::int64_t>::min()
             : t - delta;
}

// One limit over the posts that can still matter at now or later, sorted.
// Hourly: fewer than `max_in_window` posts in (t - span, t]. Spacing: no
// post in (t - span, t + span).
struct post_limit {
  const char* reason;
  bool hourly;
  std::int64_t span_ms;
  int max_in_window;
  std::vector<std::int64_t> posts;
};

// The posts later than `after_ms`, sorted: older ones never count again.
std::vector<std::int64_t> sorted_after(const std::vector<std::int64_t>& posts,
                                       std::int64_t after_ms) {
  std::vector<std::int64_t> kept;
  std::copy_if(posts.begin(), posts.end(), std::back_inserter(kept),
               [after_ms](std::int64_t post) { return post > after_ms; });
  std::sort(kept.begin(), kept.end());
  return kept;
}

post_limit hourly_limit(const char* reason, int max_in_window,
                        const std::vector<std::int64_t>& posts, std::int64_t now_ms) {
  return {reason, true, hour_ms, max_in_window, sorted_after(posts, earlier(now_ms, hour_ms))};
}

post_limit spacing_limit(std::int64_t interval_ms, const std::vector<std::int64_t>& posts,
                         std::int64_t now_ms) {
  return {"min_post_interval", false, interval_ms, 0,
          sorted_after(posts, earlier(now_ms, interval_ms))};
}

bool holds_at(const post_limit& limit, std::int64_t t) {
  const auto first_after = [&](std::int64_t instant) {
    return std::upper_bound(limit.posts.begin(), limit.posts.end(), instant);
  };
  if (limit.hourly) {
    return first_after(t) - first_after(earlier(t, limit.span_ms)) < limit.max_in_window;
  }
  const auto nearest = first_after(earlier(t, limit.span_ms));
  return nearest == limit.posts.end() || *nearest >= later(t, limit.span_ms);
}

// Returns the earliest instant >= now_ms at which every limit holds, or
// nullopt if none does. A limit can only start to hold where a post leaves
// its span (post + span), so only now and those instants are tried.
std::optional<std::int64_t> earliest_holding(const std::vector<const post_limit*>& limits,
                                             std::int64_t now_ms) {
  std::vector<std::int64_t> candidates = {now_ms};
  for (const post_limit* limit : limits) {
    for (const std::int64_t post : limit->posts) {
      const std::int64_t lifted = later(post, limit->span_ms);
      if (lifted > now_ms) candidates.push_back(lifted);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  for (const std::int64_t t : candidates) {
    const bool all_hold = std::all_of(limits.begin(), limits.end(),
                                      [t](const post_limit* limit) { return holds_at(*limit, t); });
    if (all_hold) return t;
  }
  return std::nullopt;
}

// The limits in the order their reasons win ties.
std::vector<post_limit> active_limits(const post_rate_limits& limits, const post_history& history,
                                      std::int64_t now_ms) {
  std::vector<post_limit> active;
  active.push_back(hourly_limit("max_posts_per_hour", limits.max_posts_per_hour,
                                history.account_posts_ms, now_ms));
  if (limits.min_post_interval_minutes > 0) {
    active.push_back(spacing_limit(limits.min_post_interval_minutes * minute_ms,
                                   history.account_posts_ms, now_ms));
  }
  if (limits.platform_max_posts_per_hour > 0) {
    active.push_back(hourly_limit("platform_max_posts_per_hour", limits.platform_max_posts_per_hour,
                                  history.platform_posts_ms, now_ms));
  }
  return active;
}

}  // namespace

rate_verdict check_post_rate(const post_rate_limits& limits, const post_history& history,
                             std::int64_t now_ms) {
  const std::vector<post_limit> active = active_limits(limits, history, now_ms);
  const post_limit* latest_blocking = nullptr;
  std::optional<std::int64_t> latest_lift;
  std::vector<const post_limit*> all;
  for (const post_limit& limit : active) {
    all.push_back(&limit);
    if (holds_at(limit, now_ms)) continue;
    // nullopt (never) is later than any instant; ties keep the earlier limit.
    const std::optional<std::int64_t> lift = earliest_holding({&limit}, now_ms);
    const bool later_than_chosen =
        latest_blocking == nullptr || (latest_lift && (!lift || *lift > *latest_lift));
    if (later_than_chosen) {
      latest_blocking = &limit;
      latest_lift = lift;
    }
  }
  if (latest_blocking == nullptr) return {true, "", now_ms};
  return {false, latest_blocking->reason, earliest_holding(all, now_ms)};
}

}  // namespace troupe::content
