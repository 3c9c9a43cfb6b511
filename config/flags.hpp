// The environment's say over the configuration (the safety flags and the
// admin token), and the one-line summaries logged at start and on change.
// Pure functions; `lookup` is how the environment is read (std::getenv in the
// daemon, a map in tests), so they are thread-safe iff `lookup` is.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace troupe::config {

// Reads one environment variable: its value, or nullptr when unset.
using environment_lookup = std::function<const char*(const char*)>;

// `flags` with every set environment variable applied: MODE, POSTING_DISABLED,
// LIVE_POSTS, REAL_METRICS_ENABLED, AI_QUOTA_CIRCUIT_OPEN,
// DAILY_OPENAI_LIMIT_USD, DISABLE_LLM_WHEN_BUDGET_HIT, DUP_COSINE_THRESHOLD,
// MIN_QUALITY_SCORE, OPENAI_MODEL, EMBED_MODEL, MAX_POSTS_PER_HOUR,
// MIN_POST_INTERVAL_MINUTES, RUNTIME_PREFLIGHT_TIMEOUT_MS (clamped to
// 3000..20000), HARVESTING_ENABLED, AUTO_APPROVE and SIMILARITY_THRESHOLD. Booleans accept true/false/1/0/yes/no
// in any case. An empty or invalid value leaves the config's value in place
// (environment_problems() says which).
flags_config apply_environment(flags_config flags, const environment_lookup& lookup);

// RUNTIME_PREFLIGHT_TIMEOUT_MS's bounds: a value outside 3000..20000 is
// clamped into them (the variable's intent is clear).
int clamp_preflight_timeout_ms(int timeout_ms);

// One line per flag variable whose value apply_environment() ignored, saying why.
std::vector<std::string> environment_problems(const environment_lookup& lookup);

// AOL_PROOF_MODE (true/false/1/0/yes/no) when set and valid: the PROOF
// flag every start of the loop applies, whatever the database holds.
std::optional<bool> aol_proof_from_environment(const environment_lookup& lookup);

// ADMIN_TOKEN from the environment when set and not empty, else http.adminToken.
std::string effective_admin_token(const http_config& http, const environment_lookup& lookup);

// "mode=shadow posting_disabled=true live_posts=false ..." (every flag, one line).
std::string flags_summary(const flags_config& flags);

// "pods=2 accounts=10 concurrency=1 activities=follow,... moods=... timezone=UTC
// db=sqlite:troupe.db" (a database password is redacted).
std::string config_summary(const troupe_config& config);

}  // namespace troupe::config
