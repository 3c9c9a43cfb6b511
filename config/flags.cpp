#include "config/flags.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "config/secrets.hpp"

namespace troupe::config {
namespace {

constexpr int min_preflight_timeout_ms = 3000;
constexpr int max_preflight_timeout_ms = 20000;

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::optional<bool> parse_boolean(const std::string& text) {
  const std::string word = lowercase(text);
  if (word == "true" || word == "1" || word == "yes") return true;
  if (word == "false" || word == "0" || word == "no") return false;
  return std::nullopt;
}

std::optional<double> parse_number(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno != 0 || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<int> parse_integer(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (end != text.c_str() + text.size() || errno != 0 || value < INT_MIN || value > INT_MAX) {
    return std::nullopt;
  }
  return static_cast<int>(value);
}

// Applies one variable's value to the flags, or says why it cannot.
using flag_setter = std::function<std::optional<std::string>(const std::string&, flags_config&)>;

flag_setter boolean(bool flags_config::*field) {
  return [field](const std::string& text, flags_config& flags) -> std::optional<std::string> {
    const auto value = parse_boolean(text);
    if (!value) return std::string("expected true/false/1/0/yes/no");
    flags.*field = *value;
    return std::nullopt;
  };
}

flag_setter number(double flags_config::*field, double low, double high) {
  return [=](const std::string& text, flags_config& flags) -> std::optional<std::string> {
    const auto value = parse_number(text);
    if (!value || *value < low || *value > high) {
      return fmt::format("expected a number within {}..{}", low, high);
    }
    flags.*field = *value;
    return std::nullopt;
  };
}

flag_setter count(int flags_config::*field) {
  return [field](const std::string& text, flags_config& flags) -> std::optional<std::string> {
    const auto value = parse_integer(text);
    if (!value || *value < 0) return std::string("expected a whole number >= 0");
    flags.*field = *value;
    return std::nullopt;
  };
}

flag_setter text(std::string flags_config::*field) {
  return [field](const std::string& value, flags_config& flags) -> std::optional<std::string> {
    flags.*field = value;
    return std::nullopt;
  };
}

std::optional<std::string> set_mode(const std::string& text, flags_config& flags) {
  const std::string mode = lowercase(text);
  if (mode != "shadow" && mode != "live") return std::string("expected shadow or live");
  flags.mode = mode;
  return std::nullopt;
}

std::optional<std::string> set_preflight_timeout(const std::string& text, flags_config& flags) {
  const auto value = parse_integer(text);
  if (!value) return std::string("expected a whole number of milliseconds");
  flags.runtime_preflight_timeout_ms = clamp_preflight_timeout_ms(*value);
  return std::nullopt;
}

const std::vector<std::pair<const char*, flag_setter>>& flag_variables() {
  static const std::vector<std::pair<const char*, flag_setter>> variables{
      {"MODE", set_mode},
      {"POSTING_DISABLED", boolean(&flags_config::posting_disabled)},
      {"LIVE_POSTS", boolean(&flags_config::live_posts)},
      {"REAL_METRICS_ENABLED", boolean(&flags_config::real_metrics_enabled)},
      {"AI_QUOTA_CIRCUIT_OPEN", boolean(&flags_config::ai_quota_circuit_open)},
      {"DAILY_OPENAI_LIMIT_USD", number(&flags_config::daily_openai_limit_usd, 0.0, 1e9)},
      {"DISABLE_LLM_WHEN_BUDGET_HIT", boolean(&flags_config::disable_llm_when_budget_hit)},
      {"DUP_COSINE_THRESHOLD", number(&flags_config::dup_cosine_threshold, 0.0, 1.0)},
      {"MIN_QUALITY_SCORE", number(&flags_config::min_quality_score, 0.0, 1.0)},
      {"OPENAI_MODEL", text(&flags_config::openai_model)},
      {"EMBED_MODEL", text(&flags_config::embed_model)},
      {"MAX_POSTS_PER_HOUR", count(&flags_config::max_posts_per_hour)},
      {"MIN_POST_INTERVAL_MINUTES", count(&flags_config::min_post_interval_minutes)},
      {"RUNTIME_PREFLIGHT_TIMEOUT_MS", set_preflight_timeout},
      {"HARVESTING_ENABLED", boolean(&flags_config::harvesting_enabled)},
      {"AUTO_APPROVE", boolean(&flags_config::auto_approve)},
      {"SIMILARITY_THRESHOLD", number(&flags_config::similarity_threshold, 0.0, 1.0)},
  };
  return variables;
}

// The variable's value, or nullopt when unset or empty (an empty value means "not set").
std::optional<std::string> read(const environment_lookup& lookup, const char* name) {
  const char* value = lookup(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::string names_of(const std::vector<activity_config>& activities) {
  std::vector<std::string> names;
  for (const auto& activity : activities) names.push_back(activity.name);
  return fmt::format("{}", fmt::join(names, ","));
}

std::string names_of(const std::vector<mood_config>& moods) {
  std::vector<std::string> names;
  for (const auto& mood : moods) names.push_back(mood.name);
  return fmt::format("{}", fmt::join(names, ","));
}

}  // namespace

int clamp_preflight_timeout_ms(int timeout_ms) {
  return std::clamp(timeout_ms, min_preflight_timeout_ms, max_preflight_timeout_ms);
}

flags_config apply_environment(flags_config flags, const environment_lookup& lookup) {
  for (const auto& [name, set] : flag_variables()) {
    if (auto value = read(lookup, name))
      set(*value, flags);  // environment_problems() reports a rejected value
  }
  return flags;
}

std::vector<std::string> environment_problems(const environment_lookup& lookup) {
  std::vector<std::string> problems;
  flags_config scratch;
  for (const auto& [name, set] : flag_variables()) {
    const auto value = read(lookup, name);
    if (!value) continue;
    if (auto problem = set(*value, scratch)) {
      problems.push_back(fmt::format("{}=\"{}\" ignored: {}", name, *value, *problem));
    }
  }
  return problems;
}

std::optional<bool> aol_proof_from_environment(const environment_lookup& lookup) {
  const auto value = read(lookup, "AOL_PROOF_MODE");
  if (!value) return std::nullopt;
  return parse_boolean(*value);
}

std::string effective_admin_token(const http_config& http, const environment_lookup& lookup) {
  if (auto token = read(lookup, "ADMIN_TOKEN")) return *token;
  return http.admin_token;
}

std::string flags_summary(const flags_config& f) {
  return fmt::format(
      "mode={} posting_disabled={} live_posts={} real_metrics_enabled={} "
      "ai_quota_circuit_open={} daily_openai_limit_usd={} disable_llm_when_budget_hit={} "
      "dup_cosine_threshold={} min_quality_score={} openai_model={} embed_model={} "
      "max_posts_per_hour={} min_post_interval_minutes={} runtime_preflight_timeout_ms={} "
      "harvesting_enabled={} auto_approve={} similarity_threshold={}",
      f.mode, f.posting_disabled, f.live_posts, f.real_metrics_enabled, f.ai_quota_circuit_open,
      f.daily_openai_limit_usd, f.disable_llm_when_budget_hit, f.dup_cosine_threshold,
      f.min_quality_score, f.openai_model, f.embed_model, f.max_posts_per_hour,
      f.min_post_interval_minutes, f.runtime_preflight_timeout_ms, f.harvesting_enabled,
      f.auto_approve, f.similarity_threshold);
}

std::string config_summary(const troupe_config& config) {
  std::size_t accounts = 0;
  for (const auto& pod : config.pods) accounts += pod.accounts.size();
  return fmt::format("pods={} accounts={} concurrency={} activities={} moods={} timezone={} db={}",
                     config.pods.size(), accounts, config.concurrency, names_of(config.activities),
                     names_of(config.moods), config.timezone, redact_url_password(config.db.url));
}

}  // namespace troupe::config
