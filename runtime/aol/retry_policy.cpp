#include "runtime/aol/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace troupe::aol {

status check_backoff_config(const backoff_config& config) {
  if (config.base_delay_ms <= 0) return error{"backoff base_delay_ms must be positive"};
  if (!(config.multiplier >= 1.0)) return error{"backoff multiplier must be at least 1"};
  if (config.max_delay_ms < config.base_delay_ms) {
    return error{"backoff max_delay_ms must be at least base_delay_ms"};
  }
  if (!(config.jitter >= 0.0 && config.jitter <= 1.0)) {
    return error{"backoff jitter must lie between 0 and 1"};
  }
  return {};
}

std::int64_t nominal_backoff_ms(int failed_attempts, const backoff_config& config) {
  const int exponent = std::max(failed_attempts, 1) - 1;
  // In floating point, so that a large exponent saturates at the cap
  // (pow may reach infinity) instead of overflowing an integer.
  const double nominal =
      static_cast<double>(config.base_delay_ms) * std::pow(config.multiplier, exponent);
  const double capped = std::min(nominal, static_cast<double>(config.max_delay_ms));
  return static_cast<std::int64_t>(capped);
}

std::int64_t backoff_delay_ms(int failed_attempts, const backoff_config& config,
                              policy::rng& random) {
  const std::int64_t nominal = nominal_backoff_ms(failed_attempts, config);
  const auto shortest =
      static_cast<std::int64_t>(std::ceil(static_cast<double>(nominal) * (1.0 - config.jitter)));
  return random.uniform_int(shortest, nominal);
}

}  // namespace troupe::aol
