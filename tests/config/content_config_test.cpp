// The content pipeline's sections (jobs, content, approval) and the
// AUTO_APPROVE / SIMILARITY_THRESHOLD flags: defaults, decoding, every
// validation rule located where the operator wrote it, and /api/config.
#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using namespace troupe::config;
using namespace troupe::config::testing;

TEST_CASE("the content sections default to hourly plans and learning, 15-minute replies and harvests, posting every minute, collecting every 4 h and no post approval",
          "[config][content]") {
  const auto loaded = load_config({});
  REQUIRE(loaded.ok());
  const auto& config = *loaded.config;
  REQUIRE(config.jobs.size() == 10);
  CHECK(config.jobs.at("harvest").every_ms == 900'000);
  CHECK(config.jobs.at("schedule").every_ms == 600'000);
  CHECK(config.jobs.at("execute").every_ms == 60'000);
  CHECK(config.jobs.at("execute").batch == 5);
  const auto& reply = config.content.reply;
  CHECK(reply.harvest_now_below == 50);
  CHECK(reply.harvest_skip_at == 200);
  CHECK(reply.harvest_min_every_ms == 7'200'000);
  CHECK(reply.harvest_max_every_ms == 14'400'000);
  CHECK(reply.max_target_age_hours == 24);
  CHECK(config.jobs.at("plan").enabled);
  CHECK(config.jobs.at("plan").every_ms == 3'600'000);
  CHECK(config.jobs.at("reply").every_ms == 900'000);
  CHECK(config.jobs.at("reply").jitter_ms == 900'000);  // every 15 to 30 minutes
  CHECK(config.jobs.at("plan").jitter_ms == 0);
  CHECK(config.jobs.at("posting").every_ms == 60'000);
  CHECK(config.jobs.at("posting").batch == 5);
  CHECK(config.jobs.at("collect").every_ms == 14'400'000);
  CHECK(config.jobs.at("learn").every_ms == 3'600'000);
  CHECK(config.content.outcome_horizons_hours == std::vector<int>{24, 168});
  CHECK(config.content.platform_max_posts_per_hour == 0);
  CHECK(config.content.arms.size() == 6);
  CHECK(config.content.timing_slots == std::vector<std::string>{"09:00", "12:30", "18:00"});
  CHECK_FALSE(config.approval.posts);
  CHECK_FALSE(config.flags.auto_approve);
  CHECK(config.flags.similarity_threshold == 0.85);
}

TEST_CASE("a config sets a job's interval, the arms, slots and approval, and /api/config shows them",
          "[config][content]") {
  const auto loaded = load_text(
      "jobs:\n  plan: {everyMs: 60000}\n  reply: {enabled: false}\n"
      "content:\n  arms:\n    - {name: a, topic: t1, angle: tip}\n    - {name: b, topic: t2, angle: story}\n"
      "  timingSlots: ['08:15']\n  quality: {minChars: 10, bannedPhrases: [spam]}\n"
      "  reply: {harvestNowBelow: 10, harvestSkipAt: 100, spacingMs: 0, preflightWindow: 4}\n"
      "approval: {posts: true}\nflags: {autoApprove: true, similarityThreshold: 0.9}\n",
      "troupe.yaml");
  INFO(fmt::format("{}", fmt::join(formatted(loaded), "\n")));
  REQUIRE(loaded.ok());
  const auto& config = *loaded.config;
  CHECK(config.jobs.at("plan").every_ms == 60'000);
  CHECK(config.jobs.at("plan").enabled);
  CHECK_FALSE(config.jobs.at("reply").enabled);
  CHECK(config.jobs.at("reply").every_ms == 900'000);
  REQUIRE(config.content.arms.size() == 2);
  CHECK(config.content.arms[1].topic == "t2");
  CHECK(config.content.quality.min_chars == 10);
  CHECK(config.content.quality.banned_phrases == std::vector<std::string>{"spam"});
  CHECK(config.approval.posts);
  CHECK(config.flags.auto_approve);
  CHECK(config.content.reply.harvest_now_below == 10);
  CHECK(config.content.reply.harvest_skip_at == 100);
  CHECK(config.content.reply.spacing_ms == 0);
  CHECK(config.content.reply.preflight_window == 4);
  CHECK(config.content.reply.schedule_per_run == 5);
  const auto json = json_of(config);
  CHECK_THAT(json, Catch::Matchers::Contains(R"("reply":{"harvestNowBelow":10,"harvestSkipAt":100,)"));
  CHECK_THAT(json, Catch::Matchers::Contains(R"("plan":{"enabled":true,"everyMs":60000,"jitterMs":0})"));
  CHECK_THAT(json, Catch::Matchers::Contains(R"("timingSlots":["08:15"])"));
  CHECK_THAT(json, Catch::Matchers::Contains(R"("approval":{"posts":true})"));
  CHECK_THAT(json, Catch::Matchers::Contains(R"("autoApprove":true)"));
}

TEST_CASE("every content rule is an error at the value that breaks it", "[config][content]") {
  check_single_error("jobs:\n  plna: {everyMs: 1000}\n",
                     "bad.yaml:2:3: jobs.plna: unknown key 'plna' (did you mean 'plan'?)");
  check_single_error("jobs:\n  plan: {everyMs: 10}\n",
                     "bad.yaml:2:19: jobs.plan.everyMs: must be >= 1000 (got 10)");
  check_single_error("jobs:\n  reply: {jitterMs: -1}\n",
                     "bad.yaml:2:21: jobs.reply.jitterMs: must be >= 0 (got -1)");
  check_single_error("jobs:\n  posting: {batch: 0}\n",
                     "bad.yaml:2:20: jobs.posting.batch: must be >= 1 (got 0)");
  check_single_error("jobs:\n  plan: {batch: 3}\n",
                     "bad.yaml:2:10: jobs.plan.batch: unknown key 'batch' (known: enabled, everyMs, jitterMs)");
  check_single_error("content:\n  outcomeHorizonsHours: [24, 0]\n",
                     "bad.yaml:2:30: content.outcomeHorizonsHours[1]: must be >= 1 (got 0)");
  check_single_error("content:\n  platformMaxPostsPerHour: -1\n",
                     "bad.yaml:2:28: content.platformMaxPostsPerHour: must be >= 0 (got -1)");
  check_single_error("content:\n  timingSlots: ['9am']\n",
                     "bad.yaml:2:17: content.timingSlots[0]: expected \"HH:MM\" (00:00..23:59), got \"9am\"");
  check_single_error("content:\n  timingSlots: ['09:00', '09:00']\n",
                     "bad.yaml:2:26: content.timingSlots[1]: \"09:00\" is listed twice");
  check_single_error("content:\n  arms: []\n", "bad.yaml:2:9: content.arms: needs at least one arm");
  check_single_error("content:\n  arms:\n    - {name: a, topic: t}\n",
                     "bad.yaml:3:7: content.arms[0]: missing key 'angle'");
  check_single_error(
      "content:\n  arms:\n    - {name: a, topic: t, angle: x}\n    - {name: a, topic: u, angle: y}\n",
      "bad.yaml:4:14: content.arms[1].name: \"a\" names two arms");
  check_single_error("content:\n  quality: {minChars: 50, maxChars: 40}\n",
                     "bad.yaml:2:37: content.quality.maxChars: must be >= content.quality.minChars (50) (got 40)");
  check_single_error("content:\n  quality: {llmWeight: 2}\n",
                     "bad.yaml:2:24: content.quality.llmWeight: must be within 0..1 (got 2)");
  check_single_error("content:\n  reply: {harvestNowBelow: 60, harvestSkipAt: 50}\n",
                     "bad.yaml:2:47: content.reply.harvestSkipAt: must be >= content.reply.harvestNowBelow (60) (got 50)");
  check_single_error("content:\n  reply: {harvestMinEveryMs: 5000, harvestMaxEveryMs: 4000}\n",
                     "bad.yaml:2:55: content.reply.harvestMaxEveryMs: must be >= content.reply.harvestMinEveryMs (5000) (got 4000)");
  check_single_error("content:\n  reply: {maxTargetAgeHours: 0}\n",
                     "bad.yaml:2:30: content.reply.maxTargetAgeHours: must be >= 1 (got 0)");
  check_single_error("content:\n  reply: {spacing: 5}\n", "bad.yaml:2:11: content.reply.spacing: unknown key 'spacing' (did you mean 'spacingMs'?)");
  check_single_error("approval: {post: true}\n",
                     "bad.yaml:1:12: approval.post: unknown key 'post' (did you mean 'posts'?)");
}
