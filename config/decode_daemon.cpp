// Decoding the daemon's own sections: db, http, log, flags, drivers, aol, llm.
#include "config/decoder.hpp"

namespace troupe::config {
namespace {

void decode_db(yaml_reader& reader, const YAML::Node& node, const std::string& path,
               db_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("url", out.url);
  fields.read("busyTimeoutMs", out.busy_timeout_ms);
  fields.report_unknown_keys();
}

void decode_http(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                 http_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("address", out.address);
  fields.read("port", out.port);
  fields.read("adminToken", out.admin_token);
  fields.read("treeRefreshMs", out.tree_refresh_ms);
  fields.report_unknown_keys();
}

void decode_log(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                log_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("level", out.level);
  fields.read("file", out.file);
  fields.read("maxSizeBytes", out.max_size_bytes);
  fields.read("maxFiles", out.max_files);
  fields.read("json", out.json);
  fields.report_unknown_keys();
}

void decode_flags(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                  flags_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("mode", out.mode);
  fields.read("postingDisabled", out.posting_disabled);
  fields.read("livePosts", out.live_posts);
  fields.read("realMetricsEnabled", out.real_metrics_enabled);
  fields.read("aiQuotaCircuitOpen", out.ai_quota_circuit_open);
  fields.read("dailyOpenaiLimitUsd", out.daily_openai_limit_usd);
  fields.read("disableLlmWhenBudgetHit", out.disable_llm_when_budget_hit);
  fields.read("dupCosineThreshold", out.dup_cosine_threshold);
  fields.read("minQualityScore", out.min_quality_score);
  fields.read("openaiModel", out.openai_model);
  fields.read("embedModel", out.embed_model);
  fields.read("maxPostsPerHour", out.max_posts_per_hour);
  fields.read("minPostIntervalMinutes", out.min_post_interval_minutes);
  fields.read("runtimePreflightTimeoutMs", out.runtime_preflight_timeout_ms);
  fields.read("harvestingEnabled", out.harvesting_enabled);
  fields.read("autoApprove", out.auto_approve);
  fields.read("similarityThreshold", out.similarity_threshold);
  fields.report_unknown_keys();
}

// Verbs are known names: a given verb replaces its default script, the others stay.
void decode_verbs(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                  std::map<std::string, std::string>& out) {
  mapping_reader fields(reader, node, path);
  for (auto& verb : out) fields.read(verb.first, verb.second);
  fields.report_unknown_keys();
}

void decode_drivers(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                    drivers_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("command", out.command);
  fields.read("workingDir", out.working_dir);
  fields.read("env", out.env);
  fields.read("passEnv", out.pass_env);
  fields.read("logDir", out.log_dir);
  fields.read("killGraceMs", out.kill_grace_ms);
  fields.read("maxOutputBytes", out.max_output_bytes);
  if (const auto* verbs = fields.take("verbs")) {
    decode_verbs(reader, verbs->value, verbs->path, out.verbs);
  }
  fields.report_unknown_keys();
}

void decode_backoff(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                    aol_backoff_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("baseMs", out.base_ms);
  fields.read("multiplier", out.multiplier);
  fields.read("maxMs", out.max_ms);
  fields.read("jitter", out.jitter);
  fields.report_unknown_keys();
}

void decode_aol(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                aol_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("tickMs", out.tick_ms);
  fields.read("leaseTtlMs", out.lease_ttl_ms);
  fields.read("actionLeaseMs", out.action_lease_ms);
  fields.read("maxBatch", out.max_batch);
  fields.read("maxAttempts", out.max_attempts);
  if (const auto* backoff = fields.take("backoff")) {
    decode_backoff(reader, backoff->value, backoff->path, out.backoff);
  }
  fields.read("decisionTimeoutMs", out.decision_timeout_ms);
  fields.read("retentionMs", out.retention_ms);
  fields.read("dataDir", out.data_dir);
  fields.read("notifyWebhook", out.notify_webhook);
  fields.read("proof", out.proof);
  fields.read("heldRecheckMs", out.held_recheck_ms);
  fields.read("maxParallel", out.max_parallel);
  fields.report_unknown_keys();
}

void decode_llm_breaker(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                        llm_breaker_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("failures", out.failures);
  fields.read("cooldownMs", out.cooldown_ms);
  fields.report_unknown_keys();
}

// Each model named replaces (or adds) its price; both parts are required.
void decode_llm_prices(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                       std::map<std::string, llm_price>& out) {
  mapping_reader models(reader, node, path);
  if (!models.is_mapping()) return;
  for (const auto& model : models.take_all()) {
    mapping_reader parts(reader, model.value, model.path);
    if (!parts.is_mapping()) continue;
    llm_price price;
    if (const auto* input = parts.require("input")) {
      reader.decode(input->value, input->path, price.input);
    }
    if (const auto* output = parts.require("output")) {
      reader.decode(output->value, output->path, price.output);
    }
    parts.report_unknown_keys();
    out[model.key] = price;
  }
}

void decode_llm(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                llm_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("baseUrl", out.base_url);
  fields.read("model", out.model);
  fields.read("embedModel", out.embed_model);
  fields.read("apiKeyEnv", out.api_key_env);
  fields.read("caFile", out.ca_file);
  fields.read("connectTimeoutMs", out.connect_timeout_ms);
  fields.read("requestTimeoutMs", out.request_timeout_ms);
  fields.read("maxRetries", out.max_retries);
  if (const auto* breaker = fields.take("breaker")) {
    decode_llm_breaker(reader, breaker->value, breaker->path, out.breaker);
  }
  if (const auto* prices = fields.take("prices")) {
    decode_llm_prices(reader, prices->value, prices->path, out.prices);
  }
  fields.report_unknown_keys();
}

void decode_cluster(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                    cluster_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("nodeId", out.node_id);
  fields.read("leaseTtlMs", out.lease_ttl_ms);
  fields.read("heartbeatMs", out.heartbeat_ms);
  fields.read("marginMs", out.margin_ms);
  fields.read("maxPodsPerNode", out.max_pods_per_node);
  fields.report_unknown_keys();
}

}  // namespace

section_decoders daemon_section_decoders() {
  return {
      {"db", decode_into(decode_db, &troupe_config::db)},
      {"http", decode_into(decode_http, &troupe_config::http)},
      {"log", decode_into(decode_log, &troupe_config::log)},
      {"flags", decode_into(decode_flags, &troupe_config::flags)},
      {"drivers", decode_into(decode_drivers, &troupe_config::drivers)},
      {"aol", decode_into(decode_aol, &troupe_config::aol)},
      {"llm", decode_into(decode_llm, &troupe_config::llm)},
      {"cluster", decode_into(decode_cluster, &troupe_config::cluster)},
  };
}

}  // namespace troupe::config
