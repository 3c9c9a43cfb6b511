// Activities and the settings that name them: base weights, the unfollow
// trigger and the stories policy.
#include <vector>

#include "config/validator.hpp"

namespace troupe::config {
namespace {

std::string activity_names(const troupe_config& config) {
  std::vector<std::string> names;
  for (const auto& activity : config.activities) names.push_back(activity.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

void validate_range(const std::string& path, const int_range& range, findings& found) {
  if (range.min < 0) {
    found.error(path, fmt::format("must not be negative (got [{}, {}])", range.min, range.max));
  } else if (range.min > range.max) {
    found.error(path, fmt::format("min must be <= max (got [{}, {}])", range.min, range.max));
  }
}

void validate_activity(const activity_config& activity, findings& found) {
  const std::string path = "activities." + activity.name;
  found.not_empty(path + ".script", activity.script);
  if (activity.count.has_value() == activity.seconds.has_value()) {
    found.error(path, "needs exactly one of count: [min, max] or seconds: [min, max]");
  }
  if (activity.count) validate_range(path + ".count", *activity.count, found);
  if (activity.seconds) validate_range(path + ".seconds", *activity.seconds, found);
  found.at_least<std::int64_t>(path + ".timeoutMs", activity.timeout_ms, 0);
}

void validate_base_weights(const troupe_config& config, findings& found) {
  for (const auto& [name, weight] : config.base_weights) {
    const std::string path = "weights.base." + name;
    if (config.find_activity(name) == nullptr) {
      found.error(
          path, fmt::format("unknown activity '{}' (activities: {})", name, activity_names(config)),
          "activities");
    }
    found.at_least(path, weight, 0.0);
  }
  for (const auto& activity : config.activities) {
    if (config.base_weights.count(activity.name) == 0) {
      found.error("weights.base", fmt::format("activity '{}' has no weight", activity.name),
                  "activities." + activity.name);
    }
  }
}

// A setting that names an activity must name one that exists.
void validate_reference(const troupe_config& config, const std::string& path,
                        const std::string& name, findings& found) {
  if (config.find_activity(name) != nullptr) return;
  found.error(path,
              fmt::format("unknown activity '{}' (activities: {})", name, activity_names(config)),
              "activities");
}

void validate_unfollow_trigger(const troupe_config& config, findings& found) {
  const auto& trigger = config.unfollow_trigger;
  found.one_of("unfollowTrigger.type", trigger.type, {"threshold"});
  found.at_least<std::int64_t>("unfollowTrigger.threshold", trigger.threshold, 0);
  validate_reference(config, "unfollowTrigger.activity", trigger.activity, found);
  validate_reference(config, "unfollowTrigger.counts", trigger.counts, found);
}

void validate_stories_policy(const troupe_config& config, findings& found) {
  const auto& policy = config.stories_policy;
  found.one_of("storiesPolicy.mode", policy.mode, {"fluid", "fixed"});
  found.at_least("storiesPolicy.rarityBias", policy.rarity_bias, 0.0);
  found.at_least<std::int64_t>("storiesPolicy.minGapMs", policy.min_gap_ms, 0);
  validate_reference(config, "storiesPolicy.activity", policy.activity, found);
}

}  // namespace

void validate_activities(const troupe_config& config, findings& found) {
  if (config.activities.empty()) found.error("activities", "needs at least one activity");
  for (const auto& activity : config.activities) validate_activity(activity, found);
  validate_base_weights(config, found);
  validate_unfollow_trigger(config, found);
  validate_stories_policy(config, found);
}

}  // namespace troupe::config
