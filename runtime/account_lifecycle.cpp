#include "runtime/account_lifecycle.hpp"

#include "runtime/overloaded.hpp"
#include "runtime/policy/recovery.hpp"

namespace troupe::lifecycle {
namespace {

// Nothing changes and nothing is done.
transition unchanged(const account_lifecycle& state) { return {state, {}}; }

// Why a planned session cannot start now: the skip the planner's own plan
// records, the refusal an operator's plan answers with.
struct blocker {
  policy::skip_reason skip;
  refusal code;
  std::string why;
};

std::optional<blocker> blocker_of(const planned_session& session, const surroundings& now) {
  const auto& name = session.plan.activity;
  const auto* activity = now.config->find_activity(name);
  if (activity == nullptr) {
    return blocker{policy::skip_reason::activity_removed, refusal::unknown_activity,
                   "the activity " + name + " is not configured (any more)"};
  }
  if (now.asleep) {
    return blocker{policy::skip_reason::sleep_window, refusal::sleep_window, "the pod is in its Sleep window"};
  }
  // An operator's session runs whatever the targets: the driver says no_targets itself.
  if (!session.requested && activity->consumes_targets && now.targets_remaining &&
      *now.targets_remaining <= 0) {
    return blocker{policy::skip_reason::no_targets, refusal::busy, "no follow targets remain"};
  }
  return std::nullopt;
}

// The effect that accounts for a planned session that will not run.
effect dropped(const planned_session& session, const blocker& why) {
  if (session.requested) return refuse_request{why.code, why.why};
  return record_skip{why.skip};
}

refuse_request refused(refusal code, std::string why) { return refuse_request{code, std::move(why)}; }

// What follows the end of a planned session, for an account that stays.
transition after_planned_session(const running& ended, session_end end) {
  transition next{idle{end == session_end::burst}, {}};
  if (end == session_end::burst_denied) next.effects.push_back(record_skip{policy::skip_reason::burst_denied});
  if (end == session_end::needs_recovery) {
    next.state = recovering{};
    next.effects.push_back(need_recovery{});
  }
  if (end == session_end::parked) next.state = parked{};
  if (ended.queued) {
    if (std::holds_alternative<idle>(next.state)) {
      next.effects.push_back(resubmit_request{*ended.queued});
    } else {
      next.effects.push_back(refused(refusal::needs_recovery, "the account's session failed: it needs recovery"));
    }
  }
  return next;
}

// The effects of the end of what a retiring account still ran.
std::vector<effect> last_effects(const std::variant<std::monostate, running, recovering>& finishing,
                                 session_end end) {
  std::vector<effect> effects;
  if (const auto* run = std::get_if<running>(&finishing)) {
    effects.push_back(release_permit{run->permit_id, true});
    if (run->session.requested) effects.push_back(answer_request{});
  } else if (const auto* recovery = std::get_if<recovering>(&finishing)) {
    effects.push_back(release_permit{recovery->permit_id, true});
    effects.push_back(report_step_result{recovery->step->index, end == session_end::carry_on});
  }
  effects.push_back(quit{});
  return effects;
}

std::string running_session_of(const std::variant<std::monostate, running, recovering>& finishing) {
  if (const auto* run = std::get_if<running>(&finishing)) return run->session_id;
  if (const auto* recovery = std::get_if<recovering>(&finishing)) return recovery->session_id;
  return "";
}

// True iff the recovery step `task` is still the step at its index in `config`.
bool step_still_configured(const recovery_task& task, const config::troupe_config& config) {
  const auto step = policy::recovery_step_at(config.recovery, task.index);
  return step && step->name == task.step;
}

transition recheck_waiting(const waiting& wait, const surroundings& now) {
  const auto why = blocker_of(wait.session, now);
  if (!why) return {wait, {}};
  return {idle{}, {cancel_permit{wait.request_id}, dropped(wait.session, *why), report_eligibility{}}};
}

transition recheck_running(running run, const surroundings& now) {
  if (!run.queued || run.queued->activity.empty() || now.config->find_activity(run.queued->activity)) {
    return {run, {}};
  }
  const auto activity = run.queued->activity;
  run.queued.reset();
  return {run, {refused(refusal::unknown_activity, "the activity " + activity + " is not configured (any more)")}};
}

transition recheck_recovering(recovering recovery, const surroundings& now) {
  const bool step_waits = recovery.step && recovery.request_id != 0;
  if (!step_waits || step_still_configured(*recovery.step, *now.config)) return {recovery, {}};
  // The reload removed the step before it ran: it counts as failed, and the
  // supervisor goes on with the steps that remain (or parks the account).
  const auto index = recovery.step->index;
  const auto request_id = recovery.request_id;
  return {recovering{}, {cancel_permit{request_id}, report_step_result{index, false}}};
}

}  // namespace

std::string_view to_string(refusal code) {
  switch (code) {
    case refusal::sleep_window:
      return "sleep_window";
    case refusal::paused:
      return "paused";
    case refusal::needs_recovery:
      return "needs_recovery";
    case refusal::retiring:
      return "retiring";
    case refusal::unknown_activity:
      return "unknown_activity";
    case refusal::busy:
      return "busy";
    case refusal::not_here:
      return "not_here";
  }
  return "busy";
}

account_lifecycle initial_lifecycle(bool needs_recovery) {
  if (needs_recovery) return parked{};
  return idle{};
}

std::string_view status_of(const account_lifecycle& state) {
  return std::visit(overloaded{[](const idle&) { return "idle"; }, [](const waiting&) { return "waiting"; },
                               [](const running&) { return "running"; },
                               [](const recovering&) { return "recovering"; },
                               [](const parked&) { return "parked"; }, [](const retiring&) { return "retiring"; }},
                    state);
}

bool may_plan(const account_lifecycle& state) {
  return std::holds_alternative<idle>(state) || std::holds_alternative<parked>(state);
}

bool waits_for_permit(const account_lifecycle& state) {
  if (std::holds_alternative<waiting>(state)) return true;
  const auto* recovery = std::get_if<recovering>(&state);
  return recovery != nullptr && recovery->request_id != 0;
}

bool has_request(const account_lifecycle& state) {
  if (const auto* wait = std::get_if<waiting>(&state)) return wait->session.requested;
  if (const auto* run = std::get_if<running>(&state)) return run->session.requested || run->queued;
  if (const auto* leaving = std::get_if<retiring>(&state)) {
    const auto* run = std::get_if<running>(&leaving->finishing);
    return run != nullptr && run->session.requested;
  }
  return false;
}

std::optional<std::variant<planned_session, recovery_task>> running_task(const account_lifecycle& state,
                                                                         const std::string& session_id) {
  const running* run = std::get_if<running>(&state);
  const recovering* recovery = std::get_if<recovering>(&state);
  if (const auto* leaving = std::get_if<retiring>(&state)) {
    run = std::get_if<running>(&leaving->finishing);
    recovery = std::get_if<recovering>(&leaving->finishing);
  }
  if (session_id.empty()) return std::nullopt;
  if (run != nullptr && run->session_id == session_id) return run->session;
  if (recovery != nullptr && recovery->step && recovery->session_id == session_id) return *recovery->step;
  return std::nullopt;
}

transition on_planned(const account_lifecycle& state, const policy::plan_decision& decision,
                      std::uint64_t request_id) {
  const auto* rest = std::get_if<idle>(&state);
  if (rest == nullptr && !std::holds_alternative<parked>(state)) return unchanged(state);
  if (!decision.goes()) {
    // A parked account stays parked; an idle one's burst moment has passed.
    auto next = rest != nullptr ? account_lifecycle{idle{}} : state;
    return {next, {record_skip{decision.reason()}, report_eligibility{}}};
  }
  if (rest == nullptr) return unchanged(state);  // the planner never lets a parked account go
  waiting next{planned_session{decision.plan(), rest->burst_next, false}, request_id};
  return {next, {request_permit{request_id, false}}};
}

transition on_cooldown_elapsed(const account_lifecycle& state) {
  if (!std::holds_alternative<parked>(state)) return unchanged(state);
  return {recovering{}, {need_recovery{}}};
}

transition on_session_request(const account_lifecycle& state, const operator_request& request,
                              const surroundings& now) {
  if (std::holds_alternative<retiring>(state)) {
    return {state, {refused(refusal::retiring, "the account is being removed from the config")}};
  }
  if (has_request(state)) return {state, {refused(refusal::busy, "the account already has a requested session")}};
  if (!request.activity.empty() && now.config->find_activity(request.activity) == nullptr) {
    return {state, {refused(refusal::unknown_activity, "the account has no activity " + request.activity)}};
  }
  if (std::holds_alternative<parked>(state) || std::holds_alternative<recovering>(state)) {
    return {state, {refused(refusal::needs_recovery, "the account is in recovery or parked")}};
  }
  if (now.asleep) return {state, {refused(refusal::sleep_window, "the pod is in its Sleep window")}};
  if (const auto* run = std::get_if<running>(&state)) {
    auto next = *run;
    next.queued = request;
    return {next, {}};
  }
  return {state, {plan_request{request}}};
}

transition on_request_planned(const account_lifecycle& state,
                              const std::variant<policy::session_plan, policy::skip_reason>& plan,
                              std::uint64_t request_id) {
  if (const auto* reason = std::get_if<policy::skip_reason>(&plan)) {
    const auto code = *reason == policy::skip_reason::sleep_window       ? refusal::sleep_window
                      : *reason == policy::skip_reason::needs_recovery   ? refusal::needs_recovery
                      : *reason == policy::skip_reason::paused           ? refusal::paused
                      : *reason == policy::skip_reason::activity_removed ? refusal::unknown_activity
                                                                         : refusal::busy;
    return {state, {refused(code, "the account cannot start a session now: " + std::string(policy::to_string(*reason)))}};
  }
  planned_session session{std::get<policy::session_plan>(plan), false, true};
  if (const auto* wait = std::get_if<waiting>(&state)) return {waiting{session, wait->request_id}, {}};
  if (!std::holds_alternative<idle>(state)) return unchanged(state);
  return {waiting{session, request_id}, {request_permit{request_id, false}}};
}

transition on_permit_granted(const account_lifecycle& state, std::uint64_t request_id,
                             std::uint64_t permit_id, const std::string& session_id,
                             const surroundings& now) {
  const transition stale{state, {release_permit{permit_id, false}}};
  if (const auto* wait = std::get_if<waiting>(&state)) {
    if (wait->request_id != request_id) return stale;
    if (const auto why = blocker_of(wait->session, now)) {
      return {idle{}, {release_permit{permit_id, false}, dropped(wait->session, *why), report_eligibility{}}};
    }
    return {running{wait->session, permit_id, session_id, std::nullopt}, {start_session{session_id, wait->session}}};
  }
  if (const auto* recovery = std::get_if<recovering>(&state)) {
    if (recovery->request_id != request_id || !recovery->step) return stale;
    auto next = *recovery;
    next.request_id = 0;
    next.permit_id = permit_id;
    next.session_id = session_id;
    return {next, {start_session{session_id, *recovery->step}}};  // recovery runs in Sleep too
  }
  return stale;
}

transition on_session_ended(const account_lifecycle& state, const std::string& session_id,
                            session_end end) {
  if (const auto* run = std::get_if<running>(&state)) {
    if (run->session_id != session_id) return unchanged(state);
    auto next = after_planned_session(*run, end);
    std::vector<effect> effects{release_permit{run->permit_id, true}};
    if (run->session.requested) effects.push_back(answer_request{});
    effects.insert(effects.end(), next.effects.begin(), next.effects.end());
    effects.push_back(report_eligibility{});
    return {next.state, effects};
  }
  if (const auto* recovery = std::get_if<recovering>(&state)) {
    if (!recovery->step || recovery->session_id != session_id || session_id.empty()) return unchanged(state);
    const account_lifecycle next = recovery->cleared ? account_lifecycle{idle{}} : recovering{};
    return {next,
            {release_permit{recovery->permit_id, true},
             report_step_result{recovery->step->index, end == session_end::carry_on}, report_eligibility{}}};
  }
  if (const auto* leaving = std::get_if<retiring>(&state)) {
    if (running_session_of(leaving->finishing) != session_id || session_id.empty()) return unchanged(state);
    return {retiring{}, last_effects(leaving->finishing, end)};
  }
  return unchanged(state);
}

transition on_recovery_step(const account_lifecycle& state, const recovery_task& task,
                            std::uint64_t request_id) {
  const auto* recovery = std::get_if<recovering>(&state);
  const bool free = std::holds_alternative<idle>(state) || std::holds_alternative<parked>(state) ||
                    (recovery != nullptr && !recovery->step);
  if (!free) return unchanged(state);
  recovering next;
  next.step = task;
  next.request_id = request_id;
  return {next, {request_permit{request_id, true}}};
}

transition on_recovery_over(const account_lifecycle& state, bool parks) {
  const auto* recovery = std::get_if<recovering>(&state);
  if (recovery == nullptr || recovery->step) return unchanged(state);
  const account_lifecycle next = parks ? account_lifecycle{parked{}} : idle{};
  return {next, {settle_recovery{parks}, report_eligibility{}}};
}

transition on_recovery_cleared(const account_lifecycle& state) {
  if (std::holds_alternative<parked>(state)) return {idle{}, {report_eligibility{}}};
  const auto* recovery = std::get_if<recovering>(&state);
  if (recovery == nullptr) return unchanged(state);
  if (recovery->step && recovery->request_id == 0) {  // the step runs: it ends first
    auto next = *recovery;
    next.cleared = true;
    return {next, {}};
  }
  std::vector<effect> effects;
  if (recovery->request_id != 0) effects.push_back(cancel_permit{recovery->request_id});
  effects.push_back(report_eligibility{});
  return {idle{}, effects};
}

transition on_config_snapshot(const account_lifecycle& state, const surroundings& now) {
  if (const auto* wait = std::get_if<waiting>(&state)) return recheck_waiting(*wait, now);
  if (const auto* run = std::get_if<running>(&state)) return recheck_running(*run, now);
  if (const auto* recovery = std::get_if<recovering>(&state)) return recheck_recovering(*recovery, now);
  return unchanged(state);
}

transition on_retire(const account_lifecycle& state) {
  const auto refusal_to_go = refused(refusal::retiring, "the account is being removed from the config");
  if (const auto* wait = std::get_if<waiting>(&state)) {
    std::vector<effect> effects{cancel_permit{wait->request_id}};
    if (wait->session.requested) effects.push_back(refusal_to_go);
    effects.push_back(quit{});
    return {retiring{}, effects};
  }
  if (const auto* run = std::get_if<running>(&state)) {
    auto finishing = *run;
    std::vector<effect> effects;
    if (finishing.queued) effects.push_back(refusal_to_go);
    finishing.queued.reset();
    return {retiring{finishing}, effects};
  }
  if (const auto* recovery = std::get_if<recovering>(&state)) {
    if (recovery->step && recovery->request_id == 0) return {retiring{*recovery}, {}};
    std::vector<effect> effects;
    if (recovery->request_id != 0) effects.push_back(cancel_permit{recovery->request_id});
    effects.push_back(quit{});
    return {retiring{}, effects};
  }
  if (std::holds_alternative<retiring>(state)) return unchanged(state);
  return {retiring{}, {quit{}}};
}

}  // namespace troupe::lifecycle
