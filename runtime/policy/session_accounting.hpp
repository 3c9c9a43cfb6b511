// What starting and ending a session does to an account's state: the daily
// counters, the last start per activity, energy, idle spacing, the follow
// targets cursor and the error streak. The supervisor's recovery decisions
// are in recovery.hpp; the next session after a burst in burst.hpp.
//
// Pure functions returning the updated state; the generator is the caller's.
#pragma once

#include <cstdint>
#include <string>

#include "config/config.hpp"
#include "runtime/account_state.hpp"
#include "runtime/policy/rng.hpp"

namespace troupe::policy {

// How a session ended, from the driver's exit code (the driver module maps
// it; kept here as a small enum so the policy does not depend on that module).
enum class session_outcome { success, transient, auth_required, no_targets, hard_error, timeout };

// What the runtime knows when a session has ended.
struct session_report {
  std::string activity;
  std::int64_t end_ms = 0;
  session_outcome outcome = session_outcome::success;
  std::int64_t units_done = 0;        // from the driver's result, e.g. follows made
  std::int64_t targets_consumed = 0;  // from the driver's result; advances the cursor
};

// Returns `state` with the session `session_id` of `activity` running since
// `start_ms`: starts_today[activity] + 1 and last_start_at_ms[activity] = start_ms.
account_state apply_session_start(account_state state, const std::string& activity,
                                  const std::string& session_id, std::int64_t start_ms);

// Returns `state` after the session described by `report`, whatever its
// outcome (a failed session still spent time and energy):
// - no session running; last_session_end_ms = end_ms;
// - done_today[activity] += units_done; targets_cursor += targets_consumed;
// - energy drops by energy.perSession, never below 0;
// - next_eligible_at = end + idle spacing (U(baseMin, baseMax) x mood.idle);
// - error_streak: 0 after success, + 1 after transient, auth_required,
//   hard_error or timeout; unchanged after no_targets (the targets file ran
//   out, the account did nothing wrong);
// - auth_required parks the account (needs_recovery, parked_at = end): it
//   needs its owner, not another session.
// Counters go to the day they are in: the caller applies the daily reset
// before planning, not here.
account_state apply_session_end(account_state state, const config::troupe_config& config,
                                const config::mood_config* mood, const session_report& report,
                                rng& random);

}  // namespace troupe::policy
