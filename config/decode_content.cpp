// Decoding the content pipeline's sections: jobs, content, approval.
#include "config/decoder.hpp"

namespace troupe::config {
namespace {

// `jobs` names known jobs only: a typo would otherwise be a job that never runs.
void decode_jobs(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                 std::map<std::string, job_config>& out) {
  mapping_reader names(reader, node, path);
  if (!names.is_mapping()) return;
  for (auto& [name, job] : out) {
    const auto* entry = names.take(name);
    if (entry == nullptr) continue;
    mapping_reader fields(reader, entry->value, entry->path);
    fields.read("enabled", job.enabled);
    fields.read("everyMs", job.every_ms);
    fields.read("jitterMs", job.jitter_ms);
    if (job_takes_batch(name)) fields.read("batch", job.batch);
    fields.report_unknown_keys();
  }
  names.report_unknown_keys();
}

void decode_arm(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                content_arm_config& out) {
  mapping_reader fields(reader, node, path);
  if (const auto* name = fields.require("name")) reader.decode(name->value, name->path, out.name);
  if (const auto* topic = fields.require("topic")) reader.decode(topic->value, topic->path, out.topic);
  if (const auto* angle = fields.require("angle")) reader.decode(angle->value, angle->path, out.angle);
  fields.report_unknown_keys();
}

void decode_arms(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                 std::vector<content_arm_config>& out) {
  if (!reader.expect_sequence(node, path)) return;
  std::vector<content_arm_config> arms(node.size());
  for (std::size_t i = 0; i < node.size(); ++i) {
    reader.record(element_path(path, i), node[i]);
    decode_arm(reader, node[i], element_path(path, i), arms[i]);
  }
  out = std::move(arms);
}

void decode_quality(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                    content_quality_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("minChars", out.min_chars);
  fields.read("maxChars", out.max_chars);
  fields.read("bannedPhrases", out.banned_phrases);
  fields.read("maxHashtags", out.max_hashtags);
  fields.read("maxLinks", out.max_links);
  fields.read("llmWeight", out.llm_weight);
  fields.report_unknown_keys();
}

void decode_reply(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                  reply_pipeline_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("harvestNowBelow", out.harvest_now_below);
  fields.read("harvestSkipAt", out.harvest_skip_at);
  fields.read("harvestMinEveryMs", out.harvest_min_every_ms);
  fields.read("harvestMaxEveryMs", out.harvest_max_every_ms);
  fields.read("maxTargetAgeHours", out.max_target_age_hours);
  fields.read("schedulePerRun", out.schedule_per_run);
  fields.read("spacingMs", out.spacing_ms);
  fields.read("claimStaleMs", out.claim_stale_ms);
  fields.read("preflightWindow", out.preflight_window);
  fields.report_unknown_keys();
}

void decode_content(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                    content_config& out) {
  mapping_reader fields(reader, node, path);
  if (const auto* arms = fields.take("arms")) decode_arms(reader, arms->value, arms->path, out.arms);
  fields.read("timingSlots", out.timing_slots);
  fields.read("maxQueuedPerAccount", out.max_queued_per_account);
  fields.read("repliesPerRun", out.replies_per_run);
  fields.read("platformMaxPostsPerHour", out.platform_max_posts_per_hour);
  fields.read("outcomeHorizonsHours", out.outcome_horizons_hours);
  if (const auto* quality = fields.take("quality")) {
    decode_quality(reader, quality->value, quality->path, out.quality);
  }
  if (const auto* reply = fields.take("reply")) decode_reply(reader, reply->value, reply->path, out.reply);
  fields.report_unknown_keys();
}

void decode_approval(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                     approval_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("posts", out.posts);
  fields.report_unknown_keys();
}

}  // namespace

section_decoders content_section_decoders() {
  return {
      {"jobs", decode_into(decode_jobs, &troupe_config::jobs)},
      {"content", decode_into(decode_content, &troupe_config::content)},
      {"approval", decode_into(decode_approval, &troupe_config::approval)},
  };
}

}  // namespace troupe::config
