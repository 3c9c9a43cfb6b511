// The LLM client's settings from the configuration and the environment.
// Models follow one rule: the environment (OPENAI_MODEL, EMBED_MODEL) when
// set and not empty, else llm.model / llm.embedModel when not empty, else
// the flags section's openaiModel / embedModel (built-in defaults
// "gpt-4o-mini" and "text-embedding-3-small"). The API key is read from the
// environment variable named by llm.apiKeyEnv; it is never in the config.
// Pure functions of their arguments; thread-safe iff `lookup` is.
#pragma once

#include <string>

#include "config/config.hpp"
#include "config/flags.hpp"
#include "runtime/effect_gates.hpp"
#include "runtime/llm/client.hpp"

namespace troupe::llm {

// The chat model by the rule above. `config_flags` is the config's flags
// section before the environment is applied.
std::string chat_model(const config::llm_config& llm, const config::flags_config& config_flags,
                       const config::environment_lookup& lookup);

// The embedding model by the rule above.
std::string embed_model(const config::llm_config& llm, const config::flags_config& config_flags,
                        const config::environment_lookup& lookup);

// Everything client_settings holds, from `config` (as loaded, before the
// environment is applied to its flags) and the environment.
client_settings settings_from_config(const config::troupe_config& config,
                                     const config::environment_lookup& lookup);

// Whether the LLM may be called now and, when not, the first reason: no key
// (`no_api_key`: the variable llm.apiKeyEnv names is unset or empty), then
// llm_allowed()'s reasons for the effective `flags` and `budget`. What
// /env, /api/ready and the console show; the daemon boots either way.
gate_decision llm_availability(const config::troupe_config& config,
                               const config::flags_config& flags, const llm_budget& budget,
                               const config::environment_lookup& lookup);

}  // namespace troupe::llm
