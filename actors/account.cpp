#include "actors/account.hpp"

#include <caf/all.hpp>
#include <date/tz.h>
#include <fstream>
#include <spdlog/spdlog.h>

#include "actors/session.hpp"
#include "messages/atoms.hpp"
#include "messages/config_snapshot.hpp"
#include "messages/permits.hpp"
#include "messages/pods.hpp"
#include "messages/sessions.hpp"
#include "messages/store.hpp"
#include "runtime/driver/invocation.hpp"
#include "runtime/driver/outcome.hpp"
#include "runtime/policy/burst.hpp"
#include "runtime/policy/daily.hpp"
#include "runtime/policy/mood.hpp"
#include "runtime/policy/recovery.hpp"
#include "runtime/policy/session_accounting.hpp"
#include "runtime/policy/tick.hpp"

namespace troupe::actors {

account_actor_state::~account_actor_state() {
  if (cancel) cancel->cancel();  // the driver of a running session stops with its account
}

namespace {

using self_ptr = caf::stateful_actor<account_actor_state>*;

std::int64_t now_ms(self_ptr self) { return self->state.context->clock.wall_ms(self->clock().now()); }

// Lines of a follow targets file. Read once when the account starts: the
// file is small and local, unlike the blocking work the store does.
std::optional<std::int64_t> count_targets(const config::pod_config* pod, const std::string& account) {
  if (pod == nullptr) return std::nullopt;
  auto file = pod->targets.find(account);
  if (file == pod->targets.end()) return std::nullopt;
  std::ifstream in(file->second);
  std::int64_t lines = 0;
  for (std::string line; std::getline(in, line);) lines += line.empty() ? 0 : 1;
  return lines;
}

const config::pod_config* find_pod(const config::troupe_config& config, const std::string& name) {
  for (const auto& pod : config.pods) {
    if (pod.name == name) return &pod;
  }
  return nullptr;
}

store::runner_event make_event(self_ptr self, const char* kind) {
  const auto& st = self->state;
  store::runner_event event;
  event.at_ms = now_ms(self);
  event.kind = kind;
  event.pod = st.account.pod;
  event.account_id = st.account.account_id;
  event.energy = st.account.energy;
  return event;
}

void record(self_ptr self, store::runner_event event) {
  if (self->state.context->records) self->send(self->state.context->records, std::move(event));
}

void persist(self_ptr self) {
  self->state.account.updated_at_ms = now_ms(self);
  if (self->state.context->records) self->send(self->state.context->records, self->state.account);
}

void add_summary(self_ptr self, const std::function<void(store::runner_summary&)>& change) {
  const auto& st = self->state;
  store::runner_summary delta;
  delta.account_id = st.account.account_id;
  delta.pod = st.account.pod;
  delta.day = policy::read_local_clock(st.zone, now_ms(self)).day;
  change(delta);
  if (st.context->records) self->send(st.context->records, delta);
}

const config::mood_config* current_mood(self_ptr self, const policy::local_clock_reading& clock) {
  return policy::mood_at(self->state.config->moods, clock.minute_of_day);
}

// Tells the pod when this account could next start a session.
void report_eligibility(self_ptr self) {
  auto& st = self->state;
  const auto now = now_ms(self);
  const auto clock = policy::read_local_clock(st.zone, now);
  std::int64_t next = policy::account_eligible_from_ms(st.account, *st.config, clock);
  if (st.account.needs_recovery && st.config->recovery.cooldown_ms > 0) {
    next = st.account.parked_at_ms + st.config->recovery.cooldown_ms;
  }
  if (st.plan || st.recovery) next = policy::never_ms;  // the session's end reports again
  self->send(st.pod, msg::account_eligibility{st.account.account_id, next});
}

void request_permit(self_ptr self, bool recovery) {
  auto& st = self->state;
  st.request_id = ++st.sequence;
  self->send(st.supervisor,
             msg::permit_request{st.request_id, st.account.pod, st.account.account_id, recovery});
}

void skip(self_ptr self, policy::skip_reason reason) {
  auto& st = self->state;
  ++st.counters["skips"];
  st.last_skip_reason = std::string(policy::to_string(reason));
  if (st.context->metrics) st.context->metrics->skipped(st.last_skip_reason);
  auto event = make_event(self, "skip");
  event.reason = st.last_skip_reason;
  record(self, std::move(event));
  add_summary(self, [](store::runner_summary& delta) { delta.skips = 1; });
  report_eligibility(self);
}

void plan(self_ptr self, bool paused) {
  auto& st = self->state;
  if (st.plan || st.recovery || st.retiring) return;  // one session at a time
  const auto now = now_ms(self);
  const auto clock = policy::read_local_clock(st.zone, now);
  if (policy::needs_daily_reset(st.account, clock.day)) {
    st.account = policy::apply_daily_reset(st.account, clock.day, st.config->energy);
    persist(self);
  }
  if (st.account.needs_recovery && policy::recovery_cooldown_elapsed(st.account, st.config->recovery, now)) {
    self->send(st.supervisor, msg::recovery_needed{st.account.pod, st.account.account_id, "", now});
    return;
  }
  policy::plan_context context;
  context.now_ms = now;
  context.clock = clock;
  context.mood = current_mood(self, clock);
  context.paused = paused;
  if (st.targets_total) {
    const auto* pod = find_pod(*st.config, st.account.pod);
    context.targets = policy::follow_targets{pod->targets.at(st.account.account_id),
                                             *st.targets_total - st.account.targets_cursor};
  }
  auto decision = policy::plan_session(st.account, *st.config, context, st.random);
  if (!decision.goes()) return skip(self, decision.reason());
  st.plan = decision.plan();
  st.plan_is_burst = std::exchange(st.next_is_burst, false);
  auto event = make_event(self, "plan");
  event.activity = st.plan->activity;
  event.mood = st.plan->mood;
  event.burst = st.plan_is_burst;
  record(self, std::move(event));
  request_permit(self, false);
}

std::string new_session_id(self_ptr self) {
  auto& st = self->state;
  return st.account.account_id + "-" + std::to_string(now_ms(self)) + "-" + std::to_string(++st.sequence);
}

msg::session_spec session_spec_for_plan(self_ptr self, const policy::session_plan& plan) {
  auto& st = self->state;
  const auto* activity = st.config->find_activity(plan.activity);
  msg::session_spec spec;
  spec.session_id = new_session_id(self);
  spec.pod = st.account.pod;
  spec.account_id = st.account.account_id;
  spec.activity = plan.activity;
  spec.script = activity->script;
  spec.args = driver::session_arguments(activity->script, st.account.account_id, plan.count,
                                        plan.seconds, spec.session_id, st.context->proof,
                                        plan.extra_args);
  spec.mood = plan.mood;
  spec.burst = st.plan_is_burst;
  spec.timeout_ms = config::session_timeout_ms(*activity);
  return spec;
}

msg::session_spec session_spec_for_recovery(self_ptr self, const msg::recovery_step& step) {
  auto& st = self->state;
  msg::session_spec spec;
  spec.session_id = new_session_id(self);
  spec.pod = st.account.pod;
  spec.account_id = st.account.account_id;
  spec.activity = "recover";
  spec.script = st.config->recovery.script;
  spec.args = driver::verb_arguments(spec.script, "recover", st.account.account_id, spec.session_id,
                                     st.context->proof, {"--step", step.step});
  spec.recovery_step = step.step;
  spec.timeout_ms = 300'000;
  return spec;
}

void start_session(self_ptr self, const msg::session_spec& spec) {
  auto& st = self->state;
  st.cancel = std::make_shared<driver::cancel_token>();
  std::optional<std::int64_t> count, seconds;
  if (st.plan) {
    count = st.plan->count;
    seconds = st.plan->seconds;
  }
  st.session = spawn_session(self, st.context, *st.config, spec, count, seconds, st.cancel);
  const auto now = now_ms(self);
  st.account = policy::apply_session_start(st.account, spec.activity, spec.session_id, now);
  persist(self);
  store::session_record row;
  row.session_id = spec.session_id;
  row.account_id = spec.account_id;
  row.pod = spec.pod;
  row.activity = spec.activity;
  row.kind = spec.recovery_step.empty() ? "session" : "recovery";
  if (!spec.recovery_step.empty()) row.step = spec.recovery_step;
  row.burst = spec.burst;
  row.started_at_ms = now;
  if (!st.context->modeled_sessions) row.log_path = driver::session_log_path(st.config->drivers.log_dir, spec.session_id);
  if (st.context->records) self->send(st.context->records, row);
  auto event = make_event(self, spec.recovery_step.empty() ? "start" : "recover");
  event.session_id = spec.session_id;
  event.activity = spec.activity;
  event.mood = spec.mood;
  event.burst = spec.burst;
  event.reason = spec.recovery_step;
  record(self, std::move(event));
}

void on_granted(self_ptr self, const msg::permit_granted& grant) {
  auto& st = self->state;
  if (grant.request_id != st.request_id || !(st.plan || st.recovery)) {
    self->send(st.supervisor, msg::permit_release{grant.permit_id, now_ms(self), false});
    return;
  }
  st.request_id = 0;
  const auto* mood = current_mood(self, policy::read_local_clock(st.zone, now_ms(self)));
  if (!st.recovery && mood && mood->sleep) {
    // The permit came after the pod fell asleep: no session starts in Sleep.
    self->send(st.supervisor, msg::permit_release{grant.permit_id, now_ms(self), false});
    st.plan.reset();
    st.next_is_burst = false;
    return skip(self, policy::skip_reason::sleep_window);
  }
  st.permit_id = grant.permit_id;
  start_session(self, st.recovery ? session_spec_for_recovery(self, *st.recovery)
                                  : session_spec_for_plan(self, *st.plan));
}

policy::session_outcome outcome_of(const std::string& name) {
  using policy::session_outcome;
  if (name == "success") return session_outcome::success;
  if (name == "transient") return session_outcome::transient;
  if (name == "auth_required") return session_outcome::auth_required;
  if (name == "no_targets") return session_outcome::no_targets;
  if (name == "timeout") return session_outcome::timeout;
  return session_outcome::hard_error;  // hard_error, spawn_failed, cancelled
}

void record_session_end(self_ptr self, const msg::session_finished& done, bool failed) {
  auto& st = self->state;
  store::session_record row;
  row.session_id = done.session_id;
  row.ended_at_ms = done.ended_at_ms;
  row.exit_code = done.exit_code;
  row.outcome = done.outcome;
  if (!done.result_json.empty()) row.result_json = done.result_json;
  if (st.context->records) self->send(st.context->records, row);
  auto event = make_event(self, failed ? "error" : "finish");
  event.session_id = done.session_id;
  event.activity = done.activity;
  event.reason = failed ? done.outcome : done.recovery_step;
  event.duration_ms = done.ended_at_ms - done.started_at_ms;
  event.exit_code = done.exit_code;
  event.burst = st.plan_is_burst && done.recovery_step.empty();
  record(self, std::move(event));
}

void finish_recovery_step(self_ptr self, const msg::session_finished& done) {
  auto& st = self->state;
  const bool succeeded = done.outcome == "success";
  record_session_end(self, done, !succeeded);
  self->send(st.supervisor, msg::recovery_result{st.account.account_id, st.recovery->index,
                                                 succeeded, done.ended_at_ms});
  st.recovery.reset();
  st.account.running_session.clear();
  persist(self);
}

void finish_planned_session(self_ptr self, const msg::session_finished& done) {
  auto& st = self->state;
  const auto outcome = outcome_of(done.outcome);
  const bool failed = outcome != policy::session_outcome::success &&
                      outcome != policy::session_outcome::no_targets;
  record_session_end(self, done, failed);
  if (st.context->metrics) st.context->metrics->session_ended(done.activity, done.outcome);
  const auto clock = policy::read_local_clock(st.zone, done.ended_at_ms);
  const auto* mood = current_mood(self, clock);
  policy::session_report report{done.activity, done.ended_at_ms, outcome, done.units_done,
                                done.targets_consumed};
  st.account = policy::apply_session_end(st.account, *st.config, mood, report, st.random);
  add_summary(self, [&](store::runner_summary& delta) {
    delta.sessions = 1;
    delta.sessions_by_activity[done.activity] = 1;
    delta.errors = failed ? 1 : 0;
    delta.bursts = st.plan_is_burst ? 1 : 0;
    delta.active_ms = done.ended_at_ms - done.started_at_ms;
  });
  ++st.counters[failed ? "failures" : "sessions"];
  if (failed) st.last_error = done.outcome + (done.error.empty() ? "" : ": " + done.error);
  if (outcome == policy::session_outcome::hard_error || outcome == policy::session_outcome::timeout) {
    self->send(st.supervisor, msg::recovery_needed{st.account.pod, st.account.account_id,
                                                   done.session_id, done.ended_at_ms});
  } else if (!failed && !st.plan_is_burst && policy::decide_burst(st.account, *st.config, mood, st.random)) {
    st.next_is_burst = true;
    st.account.next_eligible_at_ms = policy::burst_next_eligible(done.ended_at_ms, st.config->bursts);
    // Not on the pod's tick grid: the second session comes about gapMs later.
    self->delayed_send(self, std::chrono::milliseconds(st.account.next_eligible_at_ms - done.ended_at_ms),
                       msg::pod_tick_atom::value);
  }
  st.plan.reset();
  st.plan_is_burst = false;
  persist(self);
}

caf::error refusal(const account_actor_state& st, const std::string& why) {
  return caf::make_error(caf::sec::runtime_error, "account " + st.account.account_id + " " + why);
}

// Sets the plan of a requested session; returns why it cannot run, if so.
std::optional<std::string> plan_requested(self_ptr self, const msg::session_request& request) {
  auto& st = self->state;
  if (st.account.needs_recovery) return "needs recovery";
  const auto now = now_ms(self);
  policy::plan_context context;
  context.now_ms = now;
  context.clock = policy::read_local_clock(st.zone, now);
  context.mood = current_mood(self, context.clock);
  if (request.activity.empty()) {
    auto decision = policy::plan_session(st.account, *st.config, context, st.random);
    if (!decision.goes()) return "cannot start now: " + std::string(policy::to_string(decision.reason()));
    st.plan = decision.plan();
  } else {
    st.plan = policy::plan_for(*st.config->find_activity(request.activity), st.account, context, st.random);
  }
  st.plan_is_burst = false;
  return std::nullopt;
}


// Runs the request queued behind the session that just ended, if any.
void start_queued_request(self_ptr self) {
  auto& st = self->state;
  if (!st.queued_request) return;
  const auto request = *std::exchange(st.queued_request, std::nullopt);
  if (auto why = plan_requested(self, request)) return st.requested.deliver(refusal(st, *why));
  request_permit(self, false);
}

void on_finished(self_ptr self, const msg::session_finished& done) {
  auto& st = self->state;
  if (done.session_id != st.account.running_session) return;
  self->send(st.supervisor, msg::permit_release{st.permit_id, done.ended_at_ms});
  st.permit_id = 0;
  st.session = caf::actor{};
  st.cancel.reset();
  if (st.recovery) {
    finish_recovery_step(self, done);
  } else {
    finish_planned_session(self, done);
  }
  if (st.requested.pending() && !st.queued_request) st.requested.deliver(done);
  if (st.retiring) return self->quit();
  if (st.queued_request) {
    // After a recovery step the supervisor decides what comes next (see on_recovery_over).
    if (!done.recovery_step.empty()) return report_eligibility(self);
    const auto outcome = outcome_of(done.outcome);
    if (outcome == policy::session_outcome::hard_error || outcome == policy::session_outcome::timeout) {
      st.queued_request.reset();
      st.requested.deliver(refusal(st, "goes into recovery: its session " + done.session_id + " ended " + done.outcome));
      return report_eligibility(self);
    }
    return start_queued_request(self);
  }
  report_eligibility(self);
}

// An operator's session (RUN_SESSION), answered with its end. It waits for
// a permit like any other; a plan still waiting for its permit gives way to
// it, a running session or recovery step finishes first. One at a time.
caf::result<msg::session_finished> on_session_request(self_ptr self, const msg::session_request& request) {
  auto& st = self->state;
  if (st.retiring) return refusal(st, "is being removed");
  if (st.requested.pending()) return refusal(st, "already has a requested session");
  if (!request.activity.empty() && st.config->find_activity(request.activity) == nullptr) {
    return refusal(st, "has no activity " + request.activity);
  }
  const bool running = st.recovery || !st.account.running_session.empty();
  if (running) {
    st.queued_request = request;
  } else {
    const bool waiting = st.plan.has_value();  // its permit request stays and serves this plan
    if (auto why = plan_requested(self, request)) return refusal(st, *why);  // a waiting plan stays as it was
    if (!waiting) request_permit(self, false);
  }
  st.requested = self->make_response_promise();
  return caf::delegated<msg::session_finished>{};
}

// Removed from the config: nothing new starts; a running session ends first.
void retire(self_ptr self) {
  auto& st = self->state;
  st.retiring = true;
  if (st.request_id != 0) {
    self->send(st.supervisor, msg::permit_cancel{st.request_id});
    st.request_id = 0;
  }
  if (st.account.running_session.empty()) self->quit();
}

void on_recovery_over(self_ptr self, const msg::recovery_over& over) {
  auto& st = self->state;
  const auto now = now_ms(self);
  st.account = over.parked ? policy::park_for_recovery(st.account, now)
                           : policy::release_from_recovery(st.account);
  persist(self);
  if (over.parked) st.last_error = "every recovery step failed; parked";
  auto event = make_event(self, "recovery_over");
  event.reason = over.parked ? "parked" : "released";
  record(self, std::move(event));
  if (st.queued_request) return start_queued_request(self);  // refused when parked
  report_eligibility(self);
}

// One word for the console's badge.
const char* status_of(const account_actor_state& st) {
  if (st.recovery) return "recovering";
  if (!st.account.running_session.empty()) return "running";
  if (st.request_id != 0) return "waiting";
  if (st.account.needs_recovery) return "parked";
  if (st.retiring) return "retiring";
  return "idle";
}

// An operator cleared the account's recovery: it may plan again at once. A
// recovery step already running ends normally; one waiting for its permit
// is dropped.
void clear_recovery(self_ptr self) {
  auto& st = self->state;
  if (st.recovery && st.account.running_session.empty()) {
    if (st.request_id != 0) self->send(st.supervisor, msg::permit_cancel{st.request_id});
    st.request_id = 0;
    st.recovery.reset();
  }
  st.account = policy::release_from_recovery(st.account);
  persist(self);
  auto event = make_event(self, "recovery_over");
  event.reason = "cleared";
  record(self, std::move(event));
  report_eligibility(self);
}

msg::actor_snapshot snapshot(self_ptr self) {
  const auto& st = self->state;
  const auto& account = st.account;
  msg::actor_snapshot snap;
  snap.kind = "account";
  snap.id = "account:" + account.account_id;
  snap.parent = "pod:" + account.pod;
  snap.state["energy"] = std::to_string(account.energy);
  snap.state["next_eligible_at_ms"] = std::to_string(account.next_eligible_at_ms);
  snap.state["error_streak"] = std::to_string(account.error_streak);
  snap.state["needs_recovery"] = account.needs_recovery ? "true" : "false";
  snap.state["running_session"] = account.running_session;
  snap.state["waiting_for_permit"] = st.request_id != 0 ? "true" : "false";
  snap.state["status"] = status_of(st);
  snap.state["pod"] = account.pod;
  snap.state["config_version"] = std::to_string(st.config_version);
  std::int64_t sessions_today = 0;
  for (const auto& entry : account.starts_today) sessions_today += entry.second;
  snap.counters["sessions_today"] = sessions_today;
  snap.state["last_skip_reason"] = st.last_skip_reason;
  const auto* mood = current_mood(self, policy::read_local_clock(st.zone, now_ms(self)));
  snap.state["mood"] = mood ? mood->name : "";
  snap.counters = st.counters;
  snap.mailbox_size = self->mailbox().size();
  snap.messages_handled = st.messages_handled;
  snap.last_error = st.last_error;
  return snap;
}

void start(self_ptr self) {
  auto& st = self->state;
  st.targets_total = count_targets(find_pod(*st.config, st.account.pod), st.account.account_id);
  if (!st.account.running_session.empty()) {
    // A crash left the flag set: no session of ours runs now.
    st.account.running_session.clear();
    persist(self);
  }
  report_eligibility(self);
}

}  // namespace

caf::behavior account_actor(caf::stateful_actor<account_actor_state>* self,
                            std::shared_ptr<const node_context> context,
                            std::shared_ptr<const config::troupe_config> config,
                            account_state initial, const date::time_zone* zone,
                            caf::actor supervisor, caf::actor pod) {
  auto& st = self->state;
  st.account = std::move(initial);
  st.context = std::move(context);
  st.config = std::move(config);
  st.zone = zone;
  st.supervisor = std::move(supervisor);
  st.pod = std::move(pod);
  st.random = policy::rng(policy::derive_seed(st.context->root_seed, st.account.account_id));
  start(self);
  auto handled = [self] { ++self->state.messages_handled; };
  return {
      [=](const msg::plan_tick& tick) {
        handled();
        plan(self, tick.paused);
      },
      [=](msg::pod_tick_atom) {  // a burst's second session is due
        handled();
        plan(self, false);
      },
      [=](const msg::permit_granted& grant) {
        handled();
        on_granted(self, grant);
      },
      [=](const msg::session_started&) { handled(); },
      [=](const msg::session_progress&) {
        handled();
        ++self->state.counters["progress"];
      },
      [=](const msg::session_finished& done) {
        handled();
        on_finished(self, done);
      },
      [=](const msg::recovery_step& step) {
        handled();
        if (self->state.retiring) return;
        self->state.recovery = step;
        request_permit(self, true);
      },
      [=](msg::shutdown_atom) {
        handled();
        retire(self);
      },
      [=](const msg::recovery_over& over) {
        handled();
        on_recovery_over(self, over);
      },
      [=](const msg::config_snapshot& snap) {
        handled();
        self->state.config = snap.config;
        self->state.config_version = snap.version;
        report_eligibility(self);
      },
      [=](msg::inspect_atom) { return snapshot(self); },
      [=](const msg::session_request& request) {
        handled();
        return on_session_request(self, request);
      },
      [=](msg::clear_recovery_atom, const std::string&) {
        handled();
        clear_recovery(self);
        return true;
      },
  };
}

}  // namespace troupe::actors
