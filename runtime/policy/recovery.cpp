#include "runtime/policy/recovery.hpp"

#include <algorithm>
#include <cmath>

namespace troupe::policy {
namespace {

// Delays are capped far beyond any sane backoff so the conversion to an
// integer cannot overflow whatever the factor.
constexpr double longest_delay_ms = 1e15;

}  // namespace

int recovery_step_count(const config::recovery_config& recovery) {
  const int configured = static_cast<int>(recovery.steps.size());
  return std::max(0, std::min(configured, recovery.max_recovery_steps));
}

std::optional<recovery_step> recovery_step_at(const config::recovery_config& recovery, int index) {
  if (index < 0 || index >= recovery_step_count(recovery)) return std::nullopt;
  const double delay =
      static_cast<double>(recovery.retry_backoff_ms) * std::pow(recovery.backoff_factor, index);
  recovery_step step;
  step.name = recovery.steps[static_cast<std::size_t>(index)];
  step.delay_ms = std::llround(std::clamp(delay, 0.0, longest_delay_ms));
  return step;
}

account_state park_for_recovery(account_state state, std::int64_t now_ms) {
  state.needs_recovery = true;
  state.parked_at_ms = now_ms;
  return state;
}

account_state release_from_recovery(account_state state) {
  state.needs_recovery = false;
  state.parked_at_ms = 0;
  return state;
}

bool recovery_cooldown_elapsed(const account_state& state, const config::recovery_config& recovery,
                               std::int64_t now_ms) {
  if (!state.needs_recovery || recovery.cooldown_ms <= 0) return false;
  return now_ms - state.parked_at_ms >= recovery.cooldown_ms;
}

}  // namespace troupe::policy
