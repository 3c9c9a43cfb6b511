// The daemon's own sections: db, http, log, flags, drivers, aol, llm, cluster.
#include <algorithm>
#include <cctype>

#include "config/secrets.hpp"
#include "config/validator.hpp"

namespace troupe::config {
namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

void validate_db(const db_config& db, findings& found) {
  const bool sqlite = starts_with(db.url, "sqlite:") && db.url.size() > 7;
  const bool postgres = starts_with(db.url, "postgresql://") || starts_with(db.url, "postgres://");
  if (!sqlite && !postgres) {
    found.error("db.url", fmt::format("expected sqlite:PATH or postgresql://..., got \"{}\"",
                                      redact_url_password(db.url)));
  }
  found.at_least("db.busyTimeoutMs", db.busy_timeout_ms, 0);
}

void validate_http(const http_config& http, findings& found) {
  found.not_empty("http.address", http.address);
  found.within("http.port", http.port, 1, 65535);
  found.within("http.treeRefreshMs", http.tree_refresh_ms, 0, longest_tree_refresh_ms);
}

void validate_log(const log_config& log, findings& found) {
  found.one_of("log.level", log.level,
               {"trace", "debug", "info", "warn", "error", "critical", "off"});
  found.above<std::int64_t>("log.maxSizeBytes", log.max_size_bytes, 0);
  found.at_least("log.maxFiles", log.max_files, 1);
}

void validate_flags(const flags_config& flags, findings& found) {
  found.one_of("flags.mode", flags.mode, {"shadow", "live"});
  found.at_least("flags.dailyOpenaiLimitUsd", flags.daily_openai_limit_usd, 0.0);
  found.within("flags.dupCosineThreshold", flags.dup_cosine_threshold, 0.0, 1.0);
  found.within("flags.minQualityScore", flags.min_quality_score, 0.0, 1.0);
  found.within("flags.similarityThreshold", flags.similarity_threshold, 0.0, 1.0);
  found.not_empty("flags.openaiModel", flags.openai_model);
  found.not_empty("flags.embedModel", flags.embed_model);
  found.at_least("flags.maxPostsPerHour", flags.max_posts_per_hour, 0);
  found.at_least("flags.minPostIntervalMinutes", flags.min_post_interval_minutes, 0);
  found.within("flags.runtimePreflightTimeoutMs", flags.runtime_preflight_timeout_ms, 3000, 20000);
}

void validate_drivers(const drivers_config& drivers, findings& found) {
  found.not_empty("drivers.command", drivers.command);
  found.at_least<std::int64_t>("drivers.killGraceMs", drivers.kill_grace_ms, 0);
  found.above<std::int64_t>("drivers.maxOutputBytes", drivers.max_output_bytes, 0);
  for (const auto& [name, value] : drivers.env) {
    // A name holding '=' may be a whole "NAME=secret": only its part before '=' shows.
    if (const auto equals = name.find('='); equals != std::string::npos) {
      found.error("drivers.env",
                  fmt::format("'{}=...' is not a valid environment variable name (it holds '=')",
                              name.substr(0, equals)));
    } else if (name.empty()) {
      found.error("drivers.env." + name, "is not a valid environment variable name");
    }
  }
  for (std::size_t i = 0; i < drivers.pass_env.size(); ++i) {
    found.not_empty(fmt::format("drivers.passEnv[{}]", i), drivers.pass_env[i]);
  }
  for (const auto& [verb, script] : drivers.verbs) found.not_empty("drivers.verbs." + verb, script);
}

// The same rules as aol::check_backoff_config, located.
void validate_backoff(const aol_backoff_config& backoff, findings& found) {
  found.above<std::int64_t>("aol.backoff.baseMs", backoff.base_ms, 0);
  found.at_least("aol.backoff.multiplier", backoff.multiplier, 1.0);
  if (backoff.max_ms < backoff.base_ms) {
    found.error("aol.backoff.maxMs",
                fmt::format("must be >= aol.backoff.baseMs ({}) (got {})", backoff.base_ms,
                            backoff.max_ms),
                "aol.backoff.baseMs");
  }
  found.within("aol.backoff.jitter", backoff.jitter, 0.0, 1.0);
}

void validate_aol(const aol_config& aol, findings& found) {
  found.above<std::int64_t>("aol.tickMs", aol.tick_ms, 0);
  // The holder renews its lease once per tick (and while actions run): a
  // lease shorter than a tick would lapse between two renewals.
  if (aol.lease_ttl_ms <= aol.tick_ms) {
    found.error("aol.leaseTtlMs",
                fmt::format("must be > aol.tickMs ({}) (got {})", aol.tick_ms, aol.lease_ttl_ms),
                "aol.tickMs");
  }
  found.above<std::int64_t>("aol.actionLeaseMs", aol.action_lease_ms, 0);
  found.within("aol.maxBatch", aol.max_batch, 1, max_aol_batch);
  found.at_least("aol.maxAttempts", aol.max_attempts, 1);
  validate_backoff(aol.backoff, found);
  found.above<std::int64_t>("aol.decisionTimeoutMs", aol.decision_timeout_ms, 0);
  found.above<std::int64_t>("aol.retentionMs", aol.retention_ms, 0);
  found.not_empty("aol.dataDir", aol.data_dir);
  found.above<std::int64_t>("aol.heldRecheckMs", aol.held_recheck_ms, 0);
  found.within("aol.maxParallel", aol.max_parallel, 1, max_aol_parallel);
  if (!aol.notify_webhook.empty() && !starts_with(aol.notify_webhook, "http://")) {
    found.error("aol.notifyWebhook", fmt::format("expected an http:// URL, got \"{}\"",
                                                 redact_webhook(aol.notify_webhook)));
  }
}

bool is_environment_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

void validate_llm(const llm_config& llm, findings& found) {
  if (!starts_with(llm.base_url, "http://") && !starts_with(llm.base_url, "https://")) {
    found.error("llm.baseUrl", fmt::format("expected an http:// or https:// URL, got \"{}\"",
                                           redact_url_password(llm.base_url)));
  }
  // A key pasted here instead of its variable's name must not be echoed.
  if (!is_environment_name(llm.api_key_env)) {
    found.error("llm.apiKeyEnv",
                "expected the name of an environment variable (letters, digits, '_'), not a key");
  }
  found.above<std::int64_t>("llm.connectTimeoutMs", llm.connect_timeout_ms, 0);
  found.above<std::int64_t>("llm.requestTimeoutMs", llm.request_timeout_ms, 0);
  found.within("llm.maxRetries", llm.max_retries, 0, max_llm_retries);
  found.at_least("llm.breaker.failures", llm.breaker.failures, 1);
  found.above<std::int64_t>("llm.breaker.cooldownMs", llm.breaker.cooldown_ms, 0);
  for (const auto& [model, price] : llm.prices) {
    found.at_least("llm.prices." + model + ".input", price.input, 0.0);
    found.at_least("llm.prices." + model + ".output", price.output, 0.0);
  }
}

// A node id names the node in the nodes table, the API and the logs.
bool is_node_id(const std::string& id) {
  constexpr std::size_t longest_node_id = 64;
  return id.size() <= longest_node_id && std::all_of(id.begin(), id.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
                  c == ':';
         });
}

void validate_cluster(const cluster_config& cluster, findings& found) {
  if (!is_node_id(cluster.node_id)) {
    found.error("cluster.nodeId", fmt::format("expected at most 64 letters, digits and . _ - :, "
                                              "got \"{}\"",
                                              cluster.node_id));
  }
  found.at_least<std::int64_t>("cluster.heartbeatMs", cluster.heartbeat_ms, 100);
  found.at_least<std::int64_t>("cluster.marginMs", cluster.margin_ms, 0);
  found.at_least("cluster.maxPodsPerNode", cluster.max_pods_per_node, 0);
  const auto least_ttl = cluster.margin_ms + 2 * cluster.heartbeat_ms;
  if (cluster.lease_ttl_ms < least_ttl) {
    found.error("cluster.leaseTtlMs",
                fmt::format("must leave two heartbeats besides the margin: at least {} "
                            "(marginMs + 2 x heartbeatMs), got {}",
                            least_ttl, cluster.lease_ttl_ms));
  }
}

}  // namespace

void validate_daemon(const troupe_config& config, findings& found) {
  validate_db(config.db, found);
  validate_http(config.http, found);
  validate_log(config.log, found);
  validate_flags(config.flags, found);
  validate_drivers(config.drivers, found);
  validate_aol(config.aol, found);
  validate_llm(config.llm, found);
  validate_cluster(config.cluster, found);
}

}  // namespace troupe::config
