#include "runtime/policy/session_accounting.hpp"

#include <algorithm>

#include "runtime/policy/idle.hpp"

namespace troupe::policy {
namespace {

std::int64_t next_error_streak(std::int64_t streak, session_outcome outcome) {
  switch (outcome) {
    case session_outcome::success:
      return 0;
    case session_outcome::no_targets:
      return streak;
    case session_outcome::transient:
    case session_outcome::auth_required:
    case session_outcome::hard_error:
    case session_outcome::timeout:
      return streak + 1;
  }
  return streak + 1;
}

}  // namespace

account_state apply_session_start(account_state state, const std::string& activity,
                                  const std::string& session_id, std::int64_t start_ms) {
  state.running_session = session_id;
  state.starts_today[activity] += 1;
  state.last_start_at_ms[activity] = start_ms;
  return state;
}

account_state apply_session_end(account_state state, const config::troupe_config& config,
                                const config::mood_config* mood, const session_report& report,
                                rng& random) {
  state.running_session.clear();
  state.last_session_end_ms = report.end_ms;
  state.done_today[report.activity] += report.units_done;
  state.targets_cursor += report.targets_consumed;
  state.energy = std::max(0.0, state.energy - config.energy.per_session);
  state.next_eligible_at_ms = next_eligible_after(report.end_ms, config.idle, mood, random);
  state.error_streak = next_error_streak(state.error_streak, report.outcome);
  if (report.outcome == session_outcome::auth_required) {
    state.needs_recovery = true;
    state.parked_at_ms = report.end_ms;
  }
  return state;
}

}  // namespace troupe::policy
