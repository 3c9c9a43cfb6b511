#include "runtime/policy/tick.hpp"

#include <algorithm>

#include "runtime/policy/daily.hpp"

namespace troupe::policy {
namespace {

std::int64_t floor_div(std::int64_t value, std::int64_t divisor) {
  const std::int64_t quotient = value / divisor;
  return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

}  // namespace

std::int64_t account_eligible_from_ms(const account_state& state,
                                      const config::troupe_config& config,
                                      const local_clock_reading& clock) {
  if (state.needs_recovery || !state.running_session.empty()) return never_ms;
  const double energy = needs_daily_reset(state, clock.day) ? config.energy.start : state.energy;
  if (energy < config.energy.floor) {
    return std::max(state.next_eligible_at_ms, clock.next_local_midnight_ms);
  }
  return state.next_eligible_at_ms;
}

std::int64_t next_pod_tick_ms(std::int64_t now_ms, std::int64_t tick_ms,
                              std::int64_t earliest_eligible_ms, std::int64_t sleep_end_ms) {
  const std::int64_t grid = std::max<std::int64_t>(tick_ms, 1);
  const std::int64_t wanted = std::max(earliest_eligible_ms, sleep_end_ms);
  if (wanted > never_ms - grid) return never_ms;
  const std::int64_t first_after_now = (floor_div(now_ms, grid) + 1) * grid;
  const std::int64_t first_at_or_after_wanted = -floor_div(-wanted, grid) * grid;
  return std::max(first_after_now, first_at_or_after_wanted);
}

}  // namespace troupe::policy
