#include "runtime/policy/daily.hpp"

#include <utility>

namespace troupe::policy {

bool needs_daily_reset(const account_state& state, const std::string& local_day) {
  return state.day != local_day;
}

account_state apply_daily_reset(account_state state, const std::string& local_day,
                                const config::energy_config& energy) {
  if (!needs_daily_reset(state, local_day)) return state;
  state.day = local_day;
  state.starts_today.clear();
  state.done_today.clear();
  state.energy = energy.start;
  return state;
}

}  // namespace troupe::policy
