// Messages about one session: from the account that decides it to the
// session actor that runs the driver, and back.
#pragma once

#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <string>
#include <utility>
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
// spawn_failed, cancelled), or `refused` when an operator's request was
// answered without a session (see session_request).
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
  std::string refusal;             // set iff outcome == "refused": why (a code, see session_request)
};

// Someone (the AOL's RUN_SESSION adapter) asks for one session of an account
// now, through the semaphore. An empty activity lets the account's planner
// choose. The answer is always a session_finished: the session's end, or at
// once, when the session cannot run now, a refusal: outcome "refused",
// session_id empty, `refusal` one of sleep_window, paused, needs_recovery,
// retiring, unknown_activity, busy, not_here, and `error` a sentence for a
// person. A request accepted while it could run and then overtaken (Sleep
// began, a reload removed its activity) is answered with the refusal then.
// A CAF error means a real failure only (a timeout, an actor down).
struct session_request {
  std::string account_id;
  std::string activity;
};

// The refusal of `account_id`'s request for `activity` at `at_ms`.
inline session_finished refused_session(std::string account_id, std::string activity,
                                        std::string refusal, std::string why, std::int64_t at_ms) {
  session_finished answer;
  answer.account_id = std::move(account_id);
  answer.activity = std::move(activity);
  answer.started_at_ms = answer.ended_at_ms = at_ms;
  answer.outcome = "refused";
  answer.refusal = std::move(refusal);
  answer.error = std::move(why);
  return answer;
}

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
