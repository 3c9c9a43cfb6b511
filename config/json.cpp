#include "config/json.hpp"

#include <boost/json.hpp>

#include "config/secrets.hpp"

namespace troupe::config {
namespace {

namespace json = boost::json;

json::array strings(const std::vector<std::string>& values) {
  return json::array(values.begin(), values.end());
}

template <class Value>
json::object keyed(const std::map<std::string, Value>& values) {
  json::object object;
  for (const auto& [key, value] : values) object[key] = value;
  return object;
}

json::array range(const int_range& r) { return json::array{r.min, r.max}; }

json::object runner_pacing(const troupe_config& c) {
  return {
      {"idle", {{"baseMinMs", c.idle.base_min_ms}, {"baseMaxMs", c.idle.base_max_ms}}},
      {"handoff",
       {{"distribution", c.handoff.distribution},
        {"modeMs", c.handoff.mode_ms},
        {"sigma", c.handoff.sigma},
        {"minMs", c.handoff.min_ms},
        {"maxMs", c.handoff.max_ms}}},
      {"bursts",
       {{"enabled", c.bursts.enabled},
        {"probability", c.bursts.probability},
        {"gapMs", c.bursts.gap_ms}}},
      {"energy",
       {{"start", c.energy.start},
        {"perSession", c.energy.per_session},
        {"floor", c.energy.floor}}},
  };
}

json::object runner_choice(const troupe_config& c) {
  return {
      {"weights", {{"base", keyed(c.base_weights)}}},
      {"unfollowTrigger",
       {{"type", c.unfollow_trigger.type},
        {"threshold", c.unfollow_trigger.threshold},
        {"activity", c.unfollow_trigger.activity},
        {"counts", c.unfollow_trigger.counts}}},
      {"storiesPolicy",
       {{"mode", c.stories_policy.mode},
        {"rarityBias", c.stories_policy.rarity_bias},
        {"minGapMs", c.stories_policy.min_gap_ms},
        {"activity", c.stories_policy.activity}}},
      {"recovery",
       {{"maxRecoverySteps", c.recovery.max_recovery_steps},
        {"retryBackoffMs", c.recovery.retry_backoff_ms},
        {"backoffFactor", c.recovery.backoff_factor},
        {"cooldownMs", c.recovery.cooldown_ms},
        {"steps", strings(c.recovery.steps)},
        {"script", c.recovery.script}}},
  };
}

json::object activities(const std::vector<activity_config>& list) {
  json::object object;
  for (const auto& a : list) {
    json::object activity{{"script", a.script}};
    if (a.count) activity["count"] = range(*a.count);
    if (a.seconds) activity["seconds"] = range(*a.seconds);
    activity["timeoutMs"] = a.timeout_ms;
    activity["targets"] = a.consumes_targets;
    object[a.name] = std::move(activity);
  }
  return object;
}

json::array moods(const std::vector<mood_config>& list) {
  json::array array;
  for (const auto& m : list) {
    array.push_back(json::object{{"name", m.name},
                                 {"start", format_minute_of_day(m.start)},
                                 {"end", format_minute_of_day(m.end)},
                                 {"sleep", m.sleep},
                                 {"idle", m.idle},
                                 {"burst", m.burst},
                                 {"weights", keyed(m.weights)}});
  }
  return array;
}

json::object pods(const std::vector<pod_config>& list) {
  json::object object;
  for (const auto& p : list) {
    object[p.name] = json::object{
        {"accounts", strings(p.accounts)}, {"timezone", p.timezone}, {"targets", keyed(p.targets)}};
  }
  return object;
}

json::object flags(const flags_config& f) {
  return {{"mode", f.mode},
          {"postingDisabled", f.posting_disabled},
          {"livePosts", f.live_posts},
          {"realMetricsEnabled", f.real_metrics_enabled},
          {"aiQuotaCircuitOpen", f.ai_quota_circuit_open},
          {"dailyOpenaiLimitUsd", f.daily_openai_limit_usd},
          {"disableLlmWhenBudgetHit", f.disable_llm_when_budget_hit},
          {"dupCosineThreshold", f.dup_cosine_threshold},
          {"minQualityScore", f.min_quality_score},
          {"openaiModel", f.openai_model},
          {"embedModel", f.embed_model},
          {"maxPostsPerHour", f.max_posts_per_hour},
          {"minPostIntervalMinutes", f.min_post_interval_minutes},
          {"runtimePreflightTimeoutMs", f.runtime_preflight_timeout_ms},
          {"harvestingEnabled", f.harvesting_enabled},
          {"autoApprove", f.auto_approve},
          {"similarityThreshold", f.similarity_threshold}};
}

json::object drivers(const drivers_config& d) {
  json::object env;
  for (const auto& entry : d.env) env[entry.first] = redacted;
  return {{"command", d.command},
          {"workingDir", d.working_dir},
          {"env", std::move(env)},
          {"passEnv", strings(d.pass_env)},
          {"logDir", d.log_dir},
          {"killGraceMs", d.kill_grace_ms},
          {"maxOutputBytes", d.max_output_bytes},
          {"verbs", keyed(d.verbs)}};
}

json::object aol(const aol_config& a) {
  return {{"tickMs", a.tick_ms},
          {"leaseTtlMs", a.lease_ttl_ms},
          {"actionLeaseMs", a.action_lease_ms},
          {"maxBatch", a.max_batch},
          {"maxAttempts", a.max_attempts},
          {"backoff",
           {{"baseMs", a.backoff.base_ms},
            {"multiplier", a.backoff.multiplier},
            {"maxMs", a.backoff.max_ms},
            {"jitter", a.backoff.jitter}}},
          {"decisionTimeoutMs", a.decision_timeout_ms},
          {"retentionMs", a.retention_ms},
          {"dataDir", a.data_dir},
          {"notifyWebhook", redact_webhook(a.notify_webhook)},
          {"proof", a.proof},
          {"heldRecheckMs", a.held_recheck_ms},
          {"maxParallel", a.max_parallel}};
}

json::object jobs(const std::map<std::string, job_config>& list) {
  json::object object;
  for (const auto& [name, job] : list) {
    json::object fields{{"enabled", job.enabled}, {"everyMs", job.every_ms}, {"jitterMs", job.jitter_ms}};
    if (job_takes_batch(name)) fields["batch"] = job.batch;
    object[name] = std::move(fields);
  }
  return object;
}

json::object content(const content_config& c) {
  json::array arms;
  for (const auto& arm : c.arms) {
    arms.push_back(json::object{{"name", arm.name}, {"topic", arm.topic}, {"angle", arm.angle}});
  }
  return {{"arms", std::move(arms)},
          {"timingSlots", strings(c.timing_slots)},
          {"maxQueuedPerAccount", c.max_queued_per_account},
          {"repliesPerRun", c.replies_per_run},
          {"platformMaxPostsPerHour", c.platform_max_posts_per_hour},
          {"outcomeHorizonsHours", json::array(c.outcome_horizons_hours.begin(), c.outcome_horizons_hours.end())},
          {"quality",
           {{"minChars", c.quality.min_chars},
            {"maxChars", c.quality.max_chars},
            {"bannedPhrases", strings(c.quality.banned_phrases)},
            {"maxHashtags", c.quality.max_hashtags},
            {"maxLinks", c.quality.max_links},
            {"llmWeight", c.quality.llm_weight}}},
          {"reply",
           {{"harvestNowBelow", c.reply.harvest_now_below},
            {"harvestSkipAt", c.reply.harvest_skip_at},
            {"harvestMinEveryMs", c.reply.harvest_min_every_ms},
            {"harvestMaxEveryMs", c.reply.harvest_max_every_ms},
            {"maxTargetAgeHours", c.reply.max_target_age_hours},
            {"schedulePerRun", c.reply.schedule_per_run},
            {"spacingMs", c.reply.spacing_ms},
            {"claimStaleMs", c.reply.claim_stale_ms},
            {"preflightWindow", c.reply.preflight_window}}}};
}

json::object llm(const llm_config& l) {
  json::object prices;
  for (const auto& [model, price] : l.prices) {
    prices[model] = {{"input", price.input}, {"output", price.output}};
  }
  return {{"baseUrl", redact_url_password(l.base_url)},
          {"model", l.model},
          {"embedModel", l.embed_model},
          {"apiKeyEnv", l.api_key_env},
          {"caFile", l.ca_file},
          {"connectTimeoutMs", l.connect_timeout_ms},
          {"requestTimeoutMs", l.request_timeout_ms},
          {"maxRetries", l.max_retries},
          {"breaker", {{"failures", l.breaker.failures}, {"cooldownMs", l.breaker.cooldown_ms}}},
          {"prices", std::move(prices)}};
}

json::object daemon(const troupe_config& c) {
  return {
      {"db", {{"url", redact_url_password(c.db.url)}, {"busyTimeoutMs", c.db.busy_timeout_ms}}},
      {"http",
       {{"address", c.http.address},
        {"port", c.http.port},
        {"adminToken", c.http.admin_token.empty() ? "" : redacted},
        {"treeRefreshMs", c.http.tree_refresh_ms}}},
      {"log",
       {{"level", c.log.level},
        {"file", c.log.file},
        {"maxSizeBytes", c.log.max_size_bytes},
        {"maxFiles", c.log.max_files},
        {"json", c.log.json}}},
      {"flags", flags(c.flags)},
      {"drivers", drivers(c.drivers)},
      {"aol", aol(c.aol)},
      {"jobs", jobs(c.jobs)},
      {"content", content(c.content)},
      {"approval", {{"posts", c.approval.posts}}},
      {"llm", llm(c.llm)},
      {"monitor",
       {{"heartbeatTimeoutMs", c.monitor.heartbeat_timeout_ms},
        {"backlogTicks", c.monitor.backlog_ticks},
        {"errorStreak", c.monitor.error_streak},
        {"minFreeDiskBytes", c.monitor.min_free_disk_bytes},
        {"noPostHours", c.monitor.no_post_hours},
        {"resolvedShownMs", c.monitor.resolved_shown_ms}}},
      {"report", {{"everyMs", c.report.every_ms}}},
      {"cleanup", {{"keepDays", c.cleanup.keep_days}}},
      {"notify",
       {{"url", redact_webhook(c.notify.url)},
        {"groupMs", c.notify.group_ms},
        {"maxPerHour", c.notify.max_per_hour}}},
      {"cluster",
       {{"nodeId", c.cluster.node_id},
        {"leaseTtlMs", c.cluster.lease_ttl_ms},
        {"heartbeatMs", c.cluster.heartbeat_ms},
        {"marginMs", c.cluster.margin_ms},
        {"maxPodsPerNode", c.cluster.max_pods_per_node}}},
  };
}

void append(json::object& into, json::object&& from) {
  for (auto& entry : from) into[entry.key()] = std::move(entry.value());
}

}  // namespace

boost::json::value to_json(const troupe_config& config) {
  json::object root{{"concurrency", config.concurrency},
                    {"accountsPerPod", config.accounts_per_pod},
                    {"tickMs", config.tick_ms}};
  append(root, runner_pacing(config));
  append(root, runner_choice(config));
  root["activities"] = activities(config.activities);
  root["timezone"] = config.timezone;
  root["moods"] = moods(config.moods);
  root["pods"] = pods(config.pods);
  append(root, daemon(config));
  return root;
}

}  // namespace troupe::config
