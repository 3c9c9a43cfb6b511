#include "runtime/policy/planner.hpp"

#include "runtime/policy/daily.hpp"

namespace troupe::policy {
namespace {

template <class Map>
typename Map::mapped_type value_or(const Map& map, const std::string& key,
                                   typename Map::mapped_type fallback) {
  const auto found = map.find(key);
  return found != map.end() ? found->second : fallback;
}

double ungated_weight(const config::activity_config& activity, const config::troupe_config& config,
                      const config::mood_config* mood) {
  const double base = value_or(config.base_weights, activity.name, 0.0);
  const double multiplier = mood != nullptr ? value_or(mood->weights, activity.name, 1.0) : 1.0;
  return base * multiplier;
}

std::optional<skip_reason> gate_of(const config::activity_config& activity,
                                   const account_state& state, const config::troupe_config& config,
                                   const plan_context& context) {
  if (activity.consumes_targets && context.targets && context.targets->remaining <= 0) {
    return skip_reason::no_targets;
  }
  const auto& unfollow = config.unfollow_trigger;
  if (activity.name == unfollow.activity &&
      value_or(state.done_today, unfollow.counts, 0) < unfollow.threshold) {
    return skip_reason::unfollow_not_due;
  }
  const auto& stories = config.stories_policy;
  if (activity.name == stories.activity) {
    const auto last_start = state.last_start_at_ms.find(activity.name);
    if (last_start != state.last_start_at_ms.end() &&
        context.now_ms - last_start->second < stories.min_gap_ms) {
      return skip_reason::stories_too_soon;
    }
  }
  return std::nullopt;
}

double rarity_divisor(const config::activity_config& activity, const account_state& state,
                      const config::stories_policy_config& stories) {
  if (stories.mode != "fluid" || activity.name != stories.activity) return 1.0;
  const auto starts = value_or(state.starts_today, activity.name, 0);
  return 1.0 + stories.rarity_bias * static_cast<double>(starts);
}

// Step 7's reason: the gate of the activity the account would most have done.
skip_reason reason_for_no_weight(const std::vector<activity_weight>& weights) {
  const activity_weight* most_wanted = nullptr;
  for (const auto& candidate : weights) {
    if (!candidate.blocked_by) continue;
    if (most_wanted == nullptr || candidate.ungated > most_wanted->ungated)
      most_wanted = &candidate;
  }
  return most_wanted != nullptr ? *most_wanted->blocked_by : skip_reason::not_eligible;
}

// Precondition: total > 0, the sum of the positive weights.
const config::activity_config& draw_activity(const std::vector<activity_weight>& weights,
                                             double total, rng& random) {
  double remaining = random.uniform01() * total;
  std::size_t drawn = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (weights[i].weight <= 0) continue;
    // Rounding may leave a remainder past the last positive weight: it keeps that one.
    drawn = i;
    if (remaining < weights[i].weight) break;
    remaining -= weights[i].weight;
  }
  return *weights[drawn].activity;
}


std::optional<skip_reason> account_level_skip(const account_state& state,
                                              const config::troupe_config& config,
                                              const plan_context& context) {
  if (context.paused) return skip_reason::paused;
  if (state.needs_recovery) return skip_reason::needs_recovery;
  if (!state.running_session.empty()) return skip_reason::not_eligible;
  if (context.mood != nullptr && context.mood->sleep) return skip_reason::sleep_window;
  if (context.now_ms < state.next_eligible_at_ms) return skip_reason::not_eligible;
  if (state.energy < config.energy.floor) return skip_reason::energy_low;
  return std::nullopt;
}

plan_decision plan_for_day(const account_state& state, const config::troupe_config& config,
                           const plan_context& context, rng& random) {
  if (const auto reason = account_level_skip(state, config, context)) {
    return plan_decision::skip(*reason);
  }
  const auto weights = activity_weights(state, config, context);
  double total = 0;
  for (const auto& candidate : weights) total += candidate.weight;
  if (!(total > 0)) return plan_decision::skip(reason_for_no_weight(weights));
  return plan_decision::go(plan_for(draw_activity(weights, total, random), state, context, random));
}

}  // namespace

std::vector<activity_weight> activity_weights(const account_state& state,
                                              const config::troupe_config& config,
                                              const plan_context& context) {
  std::vector<activity_weight> weights;
  weights.reserve(config.activities.size());
  for (const auto& activity : config.activities) {
    activity_weight entry;
    entry.activity = &activity;
    entry.ungated = ungated_weight(activity, config, context.mood);
    if (entry.ungated > 0) {
      entry.blocked_by = gate_of(activity, state, config, context);
      if (!entry.blocked_by) {
        entry.weight = entry.ungated / rarity_divisor(activity, state, config.stories_policy);
      }
    }
    weights.push_back(entry);
  }
  return weights;
}

plan_decision plan_session(const account_state& state, const config::troupe_config& config,
                           const plan_context& context, rng& random) {
  if (!needs_daily_reset(state, context.clock.day)) {
    return plan_for_day(state, config, context, random);
  }
  return plan_for_day(apply_daily_reset(state, context.clock.day, config.energy), config, context,
                      random);
}

std::vector<std::string> targets_arguments(const follow_targets& targets, std::int64_t cursor) {
  return {"--targets", targets.file, "--cursor", std::to_string(cursor)};
}

session_plan plan_for(const config::activity_config& activity, const account_state& state,
                      const plan_context& context, rng& random) {
  session_plan plan;
  plan.activity = activity.name;
  if (activity.count) plan.count = random.uniform_int(activity.count->min, activity.count->max);
  if (activity.seconds) {
    plan.seconds = random.uniform_int(activity.seconds->min, activity.seconds->max);
  }
  if (activity.consumes_targets && context.targets) {
    plan.extra_args = targets_arguments(*context.targets, state.targets_cursor);
  }
  if (context.mood != nullptr) plan.mood = context.mood->name;
  return plan;
}

}  // namespace troupe::policy
