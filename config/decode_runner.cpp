// Decoding the smart-runner sections (smart-runner.json's keys).
#include "config/decoder.hpp"

namespace troupe::config {
namespace {

void decode_idle(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                 idle_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("baseMinMs", out.base_min_ms);
  fields.read("baseMaxMs", out.base_max_ms);
  fields.report_unknown_keys();
}

void decode_handoff(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                    handoff_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("distribution", out.distribution);
  fields.read("modeMs", out.mode_ms);
  fields.read("sigma", out.sigma);
  fields.read("minMs", out.min_ms);
  fields.read("maxMs", out.max_ms);
  fields.report_unknown_keys();
}

void decode_bursts(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                   bursts_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("enabled", out.enabled);
  fields.read("probability", out.probability);
  fields.read("gapMs", out.gap_ms);
  fields.report_unknown_keys();
}

void decode_energy(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                   energy_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("start", out.start);
  fields.read("perSession", out.per_session);
  fields.read("floor", out.floor);
  fields.report_unknown_keys();
}

void decode_weights(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                    std::map<std::string, double>& base) {
  mapping_reader fields(reader, node, path);
  fields.read("base", base);
  fields.report_unknown_keys();
}

void decode_unfollow_trigger(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                             unfollow_trigger_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("type", out.type);
  fields.read("threshold", out.threshold);
  fields.read("activity", out.activity);
  fields.read("counts", out.counts);
  fields.report_unknown_keys();
}

void decode_stories_policy(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                           stories_policy_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("mode", out.mode);
  fields.read("rarityBias", out.rarity_bias);
  fields.read("minGapMs", out.min_gap_ms);
  fields.read("activity", out.activity);
  fields.report_unknown_keys();
}

void decode_recovery(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                     recovery_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("maxRecoverySteps", out.max_recovery_steps);
  fields.read("retryBackoffMs", out.retry_backoff_ms);
  fields.read("backoffFactor", out.backoff_factor);
  fields.read("cooldownMs", out.cooldown_ms);
  fields.read("steps", out.steps);
  fields.read("script", out.script);
  fields.report_unknown_keys();
}

void decode_activity(yaml_reader& reader, const mapping_entry& entry, activity_config& out) {
  mapping_reader fields(reader, entry.value, entry.path);
  if (const auto* script = fields.require("script")) {
    reader.decode(script->value, script->path, out.script);
  }
  fields.read("count", out.count);
  fields.read("seconds", out.seconds);
  fields.read("timeoutMs", out.timeout_ms);
  fields.read("targets", out.consumes_targets);
  fields.report_unknown_keys();
}

void decode_activities(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                       std::vector<activity_config>& out) {
  mapping_reader names(reader, node, path);
  if (!names.is_mapping()) return;
  std::vector<activity_config> activities;
  for (const auto& entry : names.take_all()) {
    activity_config activity;
    activity.name = entry.key;
    decode_activity(reader, entry, activity);
    activities.push_back(std::move(activity));
  }
  out = std::move(activities);
}

}  // namespace

section_decoders runner_section_decoders() {
  return {
      {"concurrency", decode_value_into(&troupe_config::concurrency)},
      {"accountsPerPod", decode_value_into(&troupe_config::accounts_per_pod)},
      {"tickMs", decode_value_into(&troupe_config::tick_ms)},
      {"idle", decode_into(decode_idle, &troupe_config::idle)},
      {"handoff", decode_into(decode_handoff, &troupe_config::handoff)},
      {"bursts", decode_into(decode_bursts, &troupe_config::bursts)},
      {"energy", decode_into(decode_energy, &troupe_config::energy)},
      {"weights", decode_into(decode_weights, &troupe_config::base_weights)},
      {"unfollowTrigger", decode_into(decode_unfollow_trigger, &troupe_config::unfollow_trigger)},
      {"storiesPolicy", decode_into(decode_stories_policy, &troupe_config::stories_policy)},
      {"recovery", decode_into(decode_recovery, &troupe_config::recovery)},
      {"activities", decode_into(decode_activities, &troupe_config::activities)},
  };
}

}  // namespace troupe::config
