#include "runtime/llm/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace troupe::llm {

bool is_retryable(const attempt_outcome& outcome) {
  switch (outcome.ended) {
    case attempt_outcome::kind::connection_error:
      return true;
    case attempt_outcome::kind::permanent_error:
      return false;
    case attempt_outcome::kind::response:
      if (outcome.status == 429) return !outcome.quota_exhausted;
      return outcome.status == 408 || outcome.status == 409 ||
             (outcome.status >= 500 && outcome.status <= 599);
  }
  return false;
}

std::chrono::milliseconds backoff_delay(int attempt, const retry_settings& settings, double draw) {
  const double doubled =
      static_cast<double>(settings.base_delay.count()) * std::pow(2.0, std::max(0, attempt - 1));
  const double capped = std::min(doubled, static_cast<double>(settings.max_delay.count()));
  const double jittered = capped * (1.0 - std::clamp(draw, 0.0, 1.0) * settings.jitter);
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(jittered)));
}

retry_decision decide_retry(const attempt_outcome& outcome, int attempt,
                            const retry_settings& settings, double draw) {
  if (!is_retryable(outcome) || attempt > settings.max_retries) return {};
  if (outcome.retry_after && *outcome.retry_after <= settings.max_retry_after) {
    return {true, *outcome.retry_after};
  }
  return {true, backoff_delay(attempt, settings, draw)};
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view header) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  if (header.empty() || header.size() > 32) return std::nullopt;
  const bool numeric = std::all_of(header.begin(), header.end(),
                                   [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
  if (!numeric || header.front() == '.') return std::nullopt;
  const std::string text(header);
  char* end = nullptr;
  const double seconds = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(seconds)) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

}  // namespace troupe::llm
