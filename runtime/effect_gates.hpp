// The one place that decides what may leave the machine: posting to a
// platform, calling an LLM, reading real analytics. Every adapter, job and
// client that produces such an effect asks its gate first and does nothing
// when the answer is no. Pure functions of the effective flags (the config's
// `flags` with the environment applied, config/flags.hpp) and, for the LLM,
// of the day's budget; thread-safe.
#pragma once

#include <string>

#include "config/config.hpp"

namespace troupe {

// A gate's answer. `reason` is empty when allowed, else one word an
// operator's script can match (see each gate).
struct gate_decision {
  bool allowed = false;
  std::string reason;

  bool operator==(const gate_decision& other) const {
    return allowed == other.allowed && reason == other.reason;
  }
  bool operator!=(const gate_decision& other) const { return !(*this == other); }
};

// Posting needs all three switches: MODE=live, POSTING_DISABLED=false and
// LIVE_POSTS=true. The first that says no is the reason, in that order:
// `shadow_mode`, `posting_disabled`, `live_posts_off`.
gate_decision posting_allowed(const config::flags_config& flags);

// What the LLM has spent today (UTC day), for llm_allowed.
struct llm_budget {
  double spent_today_usd = 0.0;
  bool circuit_open = false;  // the client's breaker is open after failures
};

// The LLM may be called unless AI_QUOTA_CIRCUIT_OPEN holds the circuit open
// or the client's breaker is open (`ai_quota_circuit_open`), or the day's
// budget DAILY_OPENAI_LIMIT_USD is spent while DISABLE_LLM_WHEN_BUDGET_HIT
// is on (`budget_spent`).
gate_decision llm_allowed(const config::flags_config& flags, const llm_budget& budget);

// Real analytics (the driver's metrics verb) need REAL_METRICS_ENABLED and
// live mode: `shadow_mode`, `real_metrics_disabled`.
gate_decision real_analytics_allowed(const config::flags_config& flags);

// "posting=blocked(shadow_mode) llm=allowed analytics=blocked(shadow_mode)
// mode=shadow posting_disabled=true ...": what the gates decide, then every
// flag; the one line logged at start and whenever it changes, and /env's
// `summary`.
std::string effect_gates_summary(const config::flags_config& flags, const llm_budget& budget);

}  // namespace troupe
