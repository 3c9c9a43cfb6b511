#include "runtime/content/reply_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "runtime/time_units.hpp"

namespace troupe::content {
namespace {

using time_units::hour_ms;
constexpr double freshness_half_life_hours = 4;
constexpr double full_reach_followers_log10 = 6;  // a million followers
constexpr double full_engagement_rate = 0.05;
constexpr double unknown_engagement = 0.5;
constexpr double freshness_weight = 0.5;
constexpr double reach_weight = 0.3;
constexpr double engagement_weight = 0.2;

ranked_candidate score(const reply_candidate& candidate, std::int64_t now_ms) {
  ranked_candidate ranked{candidate, 0, 0, 0, 0};
  const double age_hours = std::max(0.0, static_cast<double>(now_ms - candidate.target_time_ms) / hour_ms);
  ranked.freshness = std::exp2(-age_hours / freshness_half_life_hours);
  const double followers = static_cast<double>(std::max<std::int64_t>(candidate.author_followers, 0));
  ranked.reach = std::min(1.0, std::log10(1.0 + followers) / full_reach_followers_log10);
  ranked.engagement = candidate.predicted_er
                          ? std::clamp(*candidate.predicted_er / full_engagement_rate, 0.0, 1.0)
                          : unknown_engagement;
  ranked.score = freshness_weight * ranked.freshness + reach_weight * ranked.reach +
                 engagement_weight * ranked.engagement;
  return ranked;
}

}  // namespace

harvest_verdict decide_harvest(std::int64_t fresh_12h, std::optional<std::int64_t> last_harvest_ms,
                               std::int64_t now_ms, const config::reply_pipeline_config& settings,
                               policy::rng& random) {
  if (fresh_12h < settings.harvest_now_below) {
    return {harvest_action::harvest_now, fmt::format("fresh_12h={} < {}", fresh_12h, settings.harvest_now_below),
            std::nullopt};
  }
  if (fresh_12h >= settings.harvest_skip_at) {
    return {harvest_action::skip, fmt::format("fresh_12h={} >= {}", fresh_12h, settings.harvest_skip_at),
            std::nullopt};
  }
  const auto interval = random.uniform_int(settings.harvest_min_every_ms, settings.harvest_max_every_ms);
  const auto due = last_harvest_ms ? *last_harvest_ms + interval : now_ms;
  const auto reason = fmt::format("fresh_12h={} between {} and {}", fresh_12h, settings.harvest_now_below,
                                  settings.harvest_skip_at);
  if (due <= now_ms) return {harvest_action::harvest_now, reason, std::nullopt};
  return {harvest_action::wait, reason, due};
}

std::vector<ranked_candidate> rank_candidates(const std::vector<reply_candidate>& candidates, std::int64_t now_ms) {
  std::vector<ranked_candidate> ranked;
  ranked.reserve(candidates.size());
  for (const auto& candidate : candidates) ranked.push_back(score(candidate, now_ms));
  std::sort(ranked.begin(), ranked.end(), [](const ranked_candidate& a, const ranked_candidate& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.candidate.target_time_ms != b.candidate.target_time_ms) {
      return a.candidate.target_time_ms > b.candidate.target_time_ms;
    }
    return a.candidate.decision_id < b.candidate.decision_id;
  });
  return ranked;
}

schedule_plan plan_schedule(const std::vector<reply_candidate>& candidates,
                            const std::map<std::string, std::int64_t>& latest_scheduled_ms, std::int64_t now_ms,
                            const config::reply_pipeline_config& settings) {
  schedule_plan plan;
  const std::int64_t oldest_allowed = now_ms - static_cast<std::int64_t>(settings.max_target_age_hours) * 3'600'000;
  std::vector<reply_candidate> young;
  for (const auto& candidate : candidates) {
    (candidate.target_time_ms < oldest_allowed ? plan.stale : young).push_back(candidate);
  }
  auto next_slot = latest_scheduled_ms;
  for (auto& ranked : rank_candidates(young, now_ms)) {
    if (static_cast<int>(plan.scheduled.size()) >= settings.schedule_per_run) break;
    const auto& account = ranked.candidate.account_id;
    const auto previous = next_slot.find(account);
    const std::int64_t at = previous == next_slot.end() ? now_ms : std::max(now_ms, previous->second + settings.spacing_ms);
    next_slot[account] = at;
    plan.scheduled.push_back({std::move(ranked), at});
  }
  return plan;
}

}  // namespace troupe::content
