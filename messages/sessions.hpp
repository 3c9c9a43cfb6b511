// Messages about one session: from the account that decides it to the
// session actor that runs the driver, and back.
#pragma once

#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace troupe::msg {

// What a session runs: an activity of the planner, or a recovery step.
struct session_spec {
  std::string session_id;
  std::string pod;
  std::string account_id;
  std::string activity;            // the activity, or "recover" for a recovery step
  std::string script;              // the driver script
  std::vector<std::string> args;   // the contract's arguments after the script
  std::string mood;
  bool burst = false;
  std::string recovery_step;       // empty for a normal session
  std::int64_t timeout_ms = 0;
};

// The session's driver process has started (or its model, in simulation).
struct session_started {
  std::string session_id;
  std::string account_id;
  std::int64_t started_at_ms = 0;
};

// A `{"event":"progress",...}` line of the driver, relayed as it came.
struct session_progress {
  std::string session_id;
  std::string account_id;
  std::string progress_json;
};

// How a session ended. `outcome` is the driver contract's class name
// (success, transient, auth_required, no_targets, hard_error, timeout,
// spawn_failed, cancelled).
struct session_finished {
  std::string session_id;
  std::string account_id;
  std::string activity;
  std::string recovery_step;
  std::int64_t started_at_ms = 0;
  std::int64_t ended_at_ms = 0;
  int exit_code = -1;
  std::string outcome;
  std::string result_json;         // the driver's last result object, empty if none
  std::int64_t units_done = 0;     // from the result: "count"
  std::int64_t targets_consumed = 0; // from the result: "consumed"
  std::string error;
  // Set when the session was refused without running (outcome "refused"):
  // sleep_window, paused, needs_recovery, retiring, unknown_activity, busy, not_here.
  std::string refusal;
};

// Someone (the AOL's RUN_SESSION adapter) asks for one session of an account
// now, through the semaphore; the answer is its session_finished, or an error
// when the account is busy, in recovery, or not run by this daemon. An empty
// activity lets the account's planner choose.
struct session_request {
  std::string account_id;
  std::string activity;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_request& x) {
  return f(caf::meta::type_name("session_request"), x.account_id, x.activity);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_spec& x) {
  return f(caf::meta::type_name("session_spec"), x.session_id, x.pod, x.account_id, x.activity,
           x.script, x.args, x.mood, x.burst, x.recovery_step, x.timeout_ms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_started& x) {
  return f(caf::meta::type_name("session_started"), x.session_id, x.account_id, x.started_at_ms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_progress& x) {
  return f(caf::meta::type_name("session_progress"), x.session_id, x.account_id, x.progress_json);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_finished& x) {
  return f(caf::meta::type_name("session_finished"), x.session_id, x.account_id, x.activity,
           x.recovery_step, x.started_at_ms, x.ended_at_ms, x.exit_code, x.outcome, x.result_json,
           x.units_done, x.targets_consumed, x.error, x.refusal);
}

}  // namespace troupe::msg
