// The content pipeline's sections: jobs, content, approval.
#include <fmt/format.h>

#include <set>

#include "config/validator.hpp"

namespace troupe::config {
namespace {

void validate_jobs(const std::map<std::string, job_config>& jobs, findings& found) {
  for (const auto& [name, job] : jobs) {
    found.at_least<std::int64_t>("jobs." + name + ".everyMs", job.every_ms, 1000);
    found.at_least<std::int64_t>("jobs." + name + ".jitterMs", job.jitter_ms, 0);
    if (job_takes_batch(name)) found.at_least("jobs." + name + ".batch", job.batch, 1);
  }
}

void validate_arms(const std::vector<content_arm_config>& arms, findings& found) {
  if (arms.empty()) found.error("content.arms", "needs at least one arm");
  std::set<std::string> names;
  for (std::size_t i = 0; i < arms.size(); ++i) {
    const auto path = "content.arms[" + std::to_string(i) + "]";
    found.not_empty(path + ".name", arms[i].name);
    found.not_empty(path + ".topic", arms[i].topic);
    found.not_empty(path + ".angle", arms[i].angle);
    if (!names.insert(arms[i].name).second) {
      found.error(path + ".name", fmt::format("\"{}\" names two arms", arms[i].name));
    }
  }
}

void validate_slots(const std::vector<std::string>& slots, findings& found) {
  if (slots.empty()) found.error("content.timingSlots", "needs at least one \"HH:MM\" slot");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const auto path = "content.timingSlots[" + std::to_string(i) + "]";
    if (!parse_minute_of_day(slots[i])) {
      found.error(path, fmt::format("expected \"HH:MM\" (00:00..23:59), got \"{}\"", slots[i]));
    } else if (!seen.insert(slots[i]).second) {
      found.error(path, fmt::format("\"{}\" is listed twice", slots[i]));
    }
  }
}

void validate_quality(const content_quality_config& quality, findings& found) {
  found.at_least("content.quality.minChars", quality.min_chars, 1);
  if (quality.max_chars < quality.min_chars) {
    found.error("content.quality.maxChars",
                fmt::format("must be >= content.quality.minChars ({}) (got {})", quality.min_chars,
                            quality.max_chars),
                "content.quality.minChars");
  }
  found.at_least("content.quality.maxHashtags", quality.max_hashtags, 0);
  found.at_least("content.quality.maxLinks", quality.max_links, 0);
  found.within("content.quality.llmWeight", quality.llm_weight, 0.0, 1.0);
}

void validate_reply(const reply_pipeline_config& reply, findings& found) {
  found.at_least("content.reply.harvestNowBelow", reply.harvest_now_below, 0);
  if (reply.harvest_skip_at < reply.harvest_now_below) {
    found.error("content.reply.harvestSkipAt", fmt::format("must be >= content.reply.harvestNowBelow ({}) (got {})",
                                                           reply.harvest_now_below, reply.harvest_skip_at));
  }
  found.at_least("content.reply.harvestMinEveryMs", reply.harvest_min_every_ms, std::int64_t{1});
  if (reply.harvest_max_every_ms < reply.harvest_min_every_ms) {
    found.error("content.reply.harvestMaxEveryMs",
                fmt::format("must be >= content.reply.harvestMinEveryMs ({}) (got {})", reply.harvest_min_every_ms,
                            reply.harvest_max_every_ms));
  }
  found.at_least("content.reply.maxTargetAgeHours", reply.max_target_age_hours, 1);
  found.at_least("content.reply.schedulePerRun", reply.schedule_per_run, 1);
  found.at_least("content.reply.spacingMs", reply.spacing_ms, std::int64_t{0});
  found.at_least("content.reply.claimStaleMs", reply.claim_stale_ms, std::int64_t{1000});
  found.at_least("content.reply.preflightWindow", reply.preflight_window, 1);
}

}  // namespace

void validate_content(const troupe_config& config, findings& found) {
  validate_jobs(config.jobs, found);
  validate_arms(config.content.arms, found);
  validate_slots(config.content.timing_slots, found);
  found.at_least("content.maxQueuedPerAccount", config.content.max_queued_per_account, 1);
  found.at_least("content.repliesPerRun", config.content.replies_per_run, 1);
  found.at_least("content.platformMaxPostsPerHour", config.content.platform_max_posts_per_hour, 0);
  const auto& horizons = config.content.outcome_horizons_hours;
  for (std::size_t i = 0; i < horizons.size(); ++i) {
    found.at_least("content.outcomeHorizonsHours[" + std::to_string(i) + "]", horizons[i], 1);
  }
  validate_quality(config.content.quality, found);
  validate_reply(config.content.reply, found);
}

}  // namespace troupe::config
