// The session lifecycle of one account as a plain value: what it has in
// flight (nothing, a plan waiting for its permit, a running session, a
// recovery, a retirement) and how each event moves it on. Every transition
// is a pure function returning the next state and the effects the account
// actor must perform, in order (send a permit request or cancel, record a
// skip, answer the operator's request, start a session, quit, ...). The
// lifecycle reads no clock and draws no random numbers: the actor passes in
// what it planned and what the moment looks like (`surroundings`).
//
//   idle ──plan──> waiting ──permit──> running ──end──> idle | recovering | parked
//     │              │ (a reload, Sleep or no targets drop it: idle)
//     └─hard error / cool-down─> recovering ──step──> (permit, run, result)* ──over──> idle | parked
//   parked ──cleared──> idle        anything ──removed──> retiring ──end──> (quit)
//
// Rules every transition keeps:
// - one session at a time; a running session or recovery step is never cut
//   (not by a reload, a retirement or a cleared recovery);
// - the operator's request (one at a time) is always answered: with its
//   session's end, or with a refusal as soon as it cannot run;
// - a new config snapshot re-checks what waits: a plan whose activity is
//   gone is dropped (activityRemoved), one for an exhausted targets file is
//   dropped (noTargets), a recovery step the reload removed is reported as
//   failed so the supervisor goes on with the steps that remain, or parks
//   the account when none remain (the account is still broken: releasing it
//   untried would be the unsafe choice).
// Not thread-safe: one owner (the account actor).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "runtime/policy/planner.hpp"
#include "runtime/policy/skip_reason.hpp"

namespace troupe::lifecycle {

// Why an operator's session request is answered without a session. The
// names are a contract with the request's callers (the AOL's RUN_SESSION).
enum class refusal { sleep_window, paused, needs_recovery, retiring, unknown_activity, busy, not_here };

// Returns the refusal's code: sleep_window, paused, needs_recovery,
// retiring, unknown_activity, busy or not_here.
std::string_view to_string(refusal code);

// An operator's request: an activity, or empty for the planner's choice.
struct operator_request {
  std::string activity;
};

// A session the planner (or an operator) chose.
struct planned_session {
  policy::session_plan plan;
  bool burst = false;      // the second session of a burst
  bool requested = false;  // an operator asked for it: answered when it ends or cannot run
};

// A recovery step the supervisor asked for.
struct recovery_task {
  int index = 0;
  std::string step;
};

struct idle {
  bool burst_next = false;  // the next plan is a burst's second session
};

struct waiting {  // a planned session waits for its permit
  planned_session session;
  std::uint64_t request_id = 0;
};

struct running {
  planned_session session;
  std::uint64_t permit_id = 0;
  std::string session_id;
  std::optional<operator_request> queued;  // the operator's request waits for this session's end
};

// From a hard error until the supervisor says the recovery is over. Between
// steps nothing is in flight; a step waits for its permit (request_id), then
// runs (permit_id, session_id).
struct recovering {
  std::optional<recovery_task> step;
  std::uint64_t request_id = 0;
  std::uint64_t permit_id = 0;
  std::string session_id;
  bool cleared = false;  // an operator cleared it while the step ran: idle once the step ends
};

struct parked {};  // every recovery step failed, or the driver wants its owner

// Removed from the config: quits once what still runs has ended.
struct retiring {
  std::variant<std::monostate, running, recovering> finishing;
};

using account_lifecycle = std::variant<idle, waiting, running, recovering, parked, retiring>;

// --- the effects the actor performs -------------------------------------
struct request_permit {
  std::uint64_t request_id = 0;
  bool recovery = false;
};
struct cancel_permit {
  std::uint64_t request_id = 0;
};
struct release_permit {
  std::uint64_t permit_id = 0;
  bool session_ran = true;  // false: returned unused, no handoff delay
};
struct start_session {
  std::string session_id;
  std::variant<planned_session, recovery_task> task;
};
struct record_skip {
  policy::skip_reason reason = policy::skip_reason::not_eligible;
};
struct refuse_request {  // answer the operator's request with a refusal
  refusal code = refusal::busy;
  std::string why;       // a sentence for a person
};
struct answer_request {};  // answer the operator's request with the session that just ended
struct plan_request {      // plan the operator's request now, then call on_request_planned
  operator_request request;
};
struct resubmit_request {  // the request queued behind a session: call on_session_request again
  operator_request request;
};
struct need_recovery {};  // ask the supervisor for a recovery
struct settle_recovery {  // the recovery is over: park the account's state, or release it
  bool parked = false;
};
struct report_step_result {
  int index = 0;
  bool succeeded = false;
};
struct report_eligibility {};
struct quit {};

using effect = std::variant<request_permit, cancel_permit, release_permit, start_session, record_skip,
                            refuse_request, answer_request, plan_request, resubmit_request, need_recovery,
                            settle_recovery, report_step_result, report_eligibility, quit>;

struct transition {
  account_lifecycle state;
  std::vector<effect> effects;
};

// What the moment looks like to the account when an event arrives.
struct surroundings {
  const config::troupe_config* config = nullptr;  // the snapshot the account holds (never null)
  bool asleep = false;                            // the pod's mood now is a sleep mood
  std::optional<std::int64_t> targets_remaining;  // after the cursor; none: no targets file
};

// How a session ended, as the actor classified it.
enum class session_end {
  carry_on,        // ended (well or not): the account goes on
  burst,           // ended well and the burst draw said yes: the next plan is a burst's second
  burst_denied,    // ended well, a burst was possible and the draw said no
  needs_recovery,  // a hard error or timeout: the supervisor runs the recovery
  parked,          // the driver wants the account's owner (auth required)
};

// Returns the lifecycle of an account that starts: parked iff its stored
// state says so.
account_lifecycle initial_lifecycle(bool needs_recovery);

// Returns one word for the console: idle, waiting, running, recovering,
// parked or retiring.
std::string_view status_of(const account_lifecycle& state);

// Returns true iff the account may consult its planner now (idle or parked;
// a parked account's planner records needsRecovery or starts the cool-down's
// recovery).
bool may_plan(const account_lifecycle& state);

// Returns true iff a permit request of the account is pending.
bool waits_for_permit(const account_lifecycle& state);

// Returns true iff an operator's request is attached (planned, running or queued).
bool has_request(const account_lifecycle& state);

// The task of the session `session_id` when it is the one running (also
// while retiring); nothing otherwise.
std::optional<std::variant<planned_session, recovery_task>> running_task(const account_lifecycle& state,
                                                                         const std::string& session_id);

// The planner's decision for an idle account: go -> waiting (request the
// permit `request_id`); skip -> idle with the skip recorded.
transition on_planned(const account_lifecycle& state, const policy::plan_decision& decision,
                      std::uint64_t request_id);

// A parked account's cool-down has elapsed: recover again.
transition on_cooldown_elapsed(const account_lifecycle& state);

// An operator asks for a session. Refused at once when it cannot run now
// (retiring, busy, unknown_activity, needs_recovery, sleep_window); queued
// behind a running session; otherwise the effect plan_request asks the actor
// to plan it and call on_request_planned.
transition on_session_request(const account_lifecycle& state, const operator_request& request,
                              const surroundings& now);

// The actor planned the operator's request: `plan`, or the planner's skip
// reason. A waiting plan gives way to it (its permit request serves the
// requested plan); an idle account requests the permit `request_id`.
transition on_request_planned(const account_lifecycle& state,
                              const std::variant<policy::session_plan, policy::skip_reason>& plan,
                              std::uint64_t request_id);

// The supervisor granted `permit_id` for `request_id`; the session would be
// `session_id`. Starts it if it can still run now; otherwise returns the
// permit unused and records the skip (or refuses the operator's request).
transition on_permit_granted(const account_lifecycle& state, std::uint64_t request_id,
                             std::uint64_t permit_id, const std::string& session_id,
                             const surroundings& now);

// The session `session_id` ended as `end` says (recovery steps: carry_on
// iff it succeeded).
transition on_session_ended(const account_lifecycle& state, const std::string& session_id,
                            session_end end);

// The supervisor asks for recovery step `task`; its permit is `request_id`.
// Taken only by an account in recovery with no step in flight (or idle or
// parked: a recovery it did not start itself, e.g. after a restart).
transition on_recovery_step(const account_lifecycle& state, const recovery_task& task,
                            std::uint64_t request_id);

// The supervisor ended the recovery: parked, or released to work again.
// Only an account in recovery with no step in flight takes it.
transition on_recovery_over(const account_lifecycle& state, bool parked);

// An operator cleared the account's recovery: a step waiting for its permit
// is dropped, a running one ends first.
transition on_recovery_cleared(const account_lifecycle& state);

// A new config snapshot (`now.config`) arrived: re-checks what waits and
// what is queued (see the rules above). A running session is never cut.
transition on_config_snapshot(const account_lifecycle& state, const surroundings& now);

// The account was removed from the config.
transition on_retire(const account_lifecycle& state);

}  // namespace troupe::lifecycle
