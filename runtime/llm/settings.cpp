#include "runtime/llm/settings.hpp"

namespace troupe::llm {
namespace {

std::string first_set(const config::environment_lookup& lookup, const char* variable,
                      const std::string& configured, const std::string& fallback) {
  if (const char* value = lookup(variable); value != nullptr && *value != '\0') return value;
  return configured.empty() ? fallback : configured;
}

}  // namespace

std::string chat_model(const config::llm_config& llm, const config::flags_config& config_flags,
                       const config::environment_lookup& lookup) {
  return first_set(lookup, "OPENAI_MODEL", llm.model, config_flags.openai_model);
}

std::string embed_model(const config::llm_config& llm, const config::flags_config& config_flags,
                        const config::environment_lookup& lookup) {
  return first_set(lookup, "EMBED_MODEL", llm.embed_model, config_flags.embed_model);
}

gate_decision llm_availability(const config::troupe_config& config,
                               const config::flags_config& flags, const llm_budget& budget,
                               const config::environment_lookup& lookup) {
  const char* key = lookup(config.llm.api_key_env.c_str());
  if (key == nullptr || *key == '\0') return {false, "no_api_key"};
  return llm_allowed(flags, budget);
}

client_settings settings_from_config(const config::troupe_config& config,
                                     const config::environment_lookup& lookup) {
  const auto& llm = config.llm;
  client_settings settings;
  settings.base_url = llm.base_url;
  if (const char* key = lookup(llm.api_key_env.c_str())) settings.api_key = key;
  settings.chat_model = chat_model(llm, config.flags, lookup);
  settings.embed_model = embed_model(llm, config.flags, lookup);
  settings.ca_file = llm.ca_file;
  settings.connect_timeout = std::chrono::milliseconds(llm.connect_timeout_ms);
  settings.request_timeout = std::chrono::milliseconds(llm.request_timeout_ms);
  settings.retry.max_retries = llm.max_retries;
  settings.breaker.failures = llm.breaker.failures;
  settings.breaker.cooldown = std::chrono::milliseconds(llm.breaker.cooldown_ms);
  settings.prices = llm.prices;
  return settings;
}

}  // namespace troupe::llm
