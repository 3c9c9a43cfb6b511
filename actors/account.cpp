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
#include "messages/recovery.hpp"
#include "messages/sessions.hpp"
#include "messages/store.hpp"
#include "runtime/driver/invocation.hpp"
#include "runtime/driver/outcome.hpp"
#include "runtime/overloaded.hpp"
#include "runtime/policy/burst.hpp"
#include "runtime/policy/daily.hpp"
#include "runtime/policy/mood.hpp"
#include "runtime/policy/recovery.hpp"
#include "runtime/policy/session_accounting.hpp"
#include "runtime/policy/tick.hpp"

namespace troupe::actors {

const lifecycle::account_lifecycle lifecycle_slot::plain_idle = lifecycle::idle{};

void lifecycle_slot::set(lifecycle::account_lifecycle next) {
  if (const auto* idle = std::get_if<lifecycle::idle>(&next);
      idle != nullptr && !idle->burst_next) {
    boxed_.reset();
  } else if (boxed_) {
    *boxed_ = std::move(next);
  } else {
    boxed_ = std::make_unique<lifecycle::account_lifecycle>(std::move(next));
  }
}

account_actor_state::~account_actor_state() {
  if (cancel) cancel->cancel();  // the driver of a running session stops with its account
}

namespace {

using self_ptr = caf::stateful_actor<account_actor_state>*;

std::int64_t now_ms(self_ptr self) { return self->state.context->clock.wall_ms(self->clock().now()); }

// Targets (non-empty lines) in a follow targets file; 0 when it cannot be
// opened, so a missing file means noTargets, never an exception.
std::int64_t count_targets(const std::string& path) {
  std::ifstream in(path);
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
  event.pod = st.account->pod;
  event.account_id = st.account->account_id;
  event.energy = st.account->energy;
  return event;
}

// Room for the records of a usual step (a session's end makes four).
constexpr std::size_t records_per_step = 4;

bool keeps_records(self_ptr self) { return static_cast<bool>(self->state.context->records); }

// Session rows and summary increments: kept unless the records sink reads none.
bool keeps_session_records(self_ptr self) {
  return keeps_records(self) && self->state.context->records_sessions;
}

// Adds `one` to the records of the step being handled, sent as one batch
// when the step is done (see `handling`); sent alone outside a step.
template <typename Record>
void keep(self_ptr self, Record&& one) {
  auto& st = self->state;
  if (!keeps_records(self)) return;
  if (st.step_records == nullptr) {
    self->send(st.context->records, msg::record_batch{{std::forward<Record>(one)}});
    return;
  }
  auto& records = st.step_records->records;
  if (records.empty()) records.reserve(records_per_step);
  records.emplace_back(std::in_place_type<std::decay_t<Record>>, std::forward<Record>(one));
}

void record(self_ptr self, store::runner_event event) { keep(self, std::move(event)); }

void persist(self_ptr self) {
  self->state.account->updated_at_ms = now_ms(self);
  if (keeps_records(self)) keep(self, *self->state.account);
}

// Keeps the summary increment `change` makes, when records are kept.
template <typename Change>
void add_summary(self_ptr self, Change change) {
  const auto& st = self->state;
  if (!keeps_session_records(self)) return;
  store::runner_summary delta;
  delta.account_id = st.account->account_id;
  delta.pod = st.account->pod;
  delta.day = policy::read_local_clock(st.zone, now_ms(self)).day;
  change(delta);
  keep(self, std::move(delta));
}

const config::mood_config* current_mood(self_ptr self, const policy::local_clock_reading& clock) {
  return policy::mood_at(self->state.config->moods, clock.minute_of_day);
}

// Tells the pod when this account could next start a session.
void report_eligibility(self_ptr self) {
  auto& st = self->state;
  const auto now = now_ms(self);
  const auto clock = policy::read_local_clock(st.zone, now);
  std::int64_t next = policy::account_eligible_from_ms(*st.account, *st.config, clock);
  if (st.account->needs_recovery && st.config->recovery.cooldown_ms > 0) {
    next = st.account->parked_at_ms + st.config->recovery.cooldown_ms;
  }
  if (!lifecycle::may_plan(st.lifecycle.get()))
    next = policy::never_ms;  // what is in flight reports again
  self->send(st.pod, msg::account_eligibility{st.account->account_id, next, st.config_version});
}

bool asleep_now(self_ptr self) {
  const auto* mood = current_mood(self, policy::read_local_clock(self->state.zone, now_ms(self)));
  return mood != nullptr && mood->sleep;
}

std::optional<policy::follow_targets> follow_targets_of(const account_actor_state& st) {
  if (!st.targets) return std::nullopt;
  return policy::follow_targets{st.targets->path, st.targets->total - st.account->targets_cursor};
}

lifecycle::surroundings surroundings_now(self_ptr self) {
  const auto targets = follow_targets_of(self->state);
  return {self->state.config.get(), asleep_now(self),
          targets ? std::optional<std::int64_t>(targets->remaining) : std::nullopt};
}

// Reads the account's targets file as the config names it now: small local
// files, re-read on every snapshot so that a replaced or deleted file counts.
void read_targets(self_ptr self) {
  auto& st = self->state;
  st.targets.reset();  // none configured: the planner's "no targets file"
  const auto* pod = find_pod(*st.config, st.account->pod);
  if (pod == nullptr) return;
  const auto file = pod->targets.find(st.account->account_id);
  if (file != pod->targets.end()) {
    st.targets = std::make_unique<targets_file>(targets_file{file->second, count_targets(file->second)});
  }
}

void skip(self_ptr self, policy::skip_reason reason) {
  auto& st = self->state;
  ++st.counters.skips;
  st.last_skip = reason;
  if (st.context->metrics) st.context->metrics->skipped(std::string(policy::to_string(reason)));
  auto event = make_event(self, "skip");
  event.reason = std::string(policy::to_string(reason));
  record(self, std::move(event));
  add_summary(self, [](store::runner_summary& delta) { delta.skips = 1; });
}

// False in simulation: sessions are modeled, no driver reads arguments (and
// building them was a fifth of a session's string copies).
bool runs_drivers(const account_actor_state& st) { return !st.context->modeled_sessions; }

std::string new_session_id(self_ptr self) {
  auto& st = self->state;
  return st.account->account_id + "-" + std::to_string(now_ms(self)) + "-" +
         std::to_string(++st.sequence);
}

// Precondition: the plan's activity is in the config (the lifecycle checked it at the grant).
msg::session_spec session_spec_for_plan(self_ptr self, const std::string& session_id,
                                        const lifecycle::planned_session& planned) {
  auto& st = self->state;
  const auto& plan = planned.plan;
  const auto& activity = *st.config->find_activity(plan.activity);
  msg::session_spec spec;
  spec.session_id = session_id;
  spec.pod = st.account->pod;
  spec.account_id = st.account->account_id;
  spec.activity = plan.activity;
  spec.script = activity.script;
  if (runs_drivers(st)) {
    auto extra_args = plan.extra_args;
    if (activity.consumes_targets) {  // the file as configured now, which a reload may have changed
      const auto targets = follow_targets_of(st);
      extra_args = targets ? policy::targets_arguments(*targets, st.account->targets_cursor)
                           : std::vector<std::string>{};
    }
    spec.args =
        driver::session_arguments(activity.script, st.account->account_id, plan.count, plan.seconds,
                                  spec.session_id, st.context->proof, extra_args);
  }
  spec.mood = plan.mood;
  spec.burst = planned.burst;
  spec.timeout_ms = config::session_timeout_ms(activity);
  return spec;
}

msg::session_spec session_spec_for_recovery(self_ptr self, const std::string& session_id,
                                            const lifecycle::recovery_task& step) {
  auto& st = self->state;
  msg::session_spec spec;
  spec.session_id = session_id;
  spec.pod = st.account->pod;
  spec.account_id = st.account->account_id;
  spec.activity = "recover";
  spec.script = st.config->recovery.script;
  if (runs_drivers(st)) {
    spec.args = driver::verb_arguments(spec.script, "recover", st.account->account_id,
                                       spec.session_id, st.context->proof, {"--step", step.step});
  }
  spec.recovery_step = step.step;
  spec.timeout_ms = 300'000;
  return spec;
}

void keep_session_started(self_ptr self, const msg::session_spec& spec, std::int64_t now) {
  if (!keeps_session_records(self)) return;
  const auto& st = self->state;
  store::session_record row;
  row.session_id = spec.session_id;
  row.account_id = spec.account_id;
  row.pod = spec.pod;
  row.activity = spec.activity;
  row.kind = spec.recovery_step.empty() ? "session" : "recovery";
  if (!spec.recovery_step.empty()) row.step = spec.recovery_step;
  row.burst = spec.burst;
  row.started_at_ms = now;
  if (runs_drivers(st))
    row.log_path = driver::session_log_path(st.config->drivers.log_dir, spec.session_id);
  keep(self, std::move(row));
}

void start_session(self_ptr self, const msg::session_spec& spec, std::optional<std::int64_t> count,
                   std::optional<std::int64_t> seconds) {
  auto& st = self->state;
  // Only a driver process can be stopped: a modeled session ends on the
  // virtual clock (and a token costs an eventfd, two syscalls a session).
  if (runs_drivers(st)) st.cancel = std::make_shared<driver::cancel_token>();
  st.session = spawn_session(self, st.context, *st.config, spec, count, seconds, st.cancel);
  const auto now = now_ms(self);
  *st.account =
      policy::apply_session_start(std::move(*st.account), spec.activity, spec.session_id, now);
  persist(self);
  keep_session_started(self, spec, now);
  auto event = make_event(self, spec.recovery_step.empty() ? "start" : "recover");
  event.session_id = spec.session_id;
  event.activity = spec.activity;
  event.mood = spec.mood;
  event.burst = spec.burst;
  event.reason = spec.recovery_step;
  record(self, std::move(event));
}

void start_task(self_ptr self, const lifecycle::start_session& start) {
  if (const auto* planned = std::get_if<lifecycle::planned_session>(&start.task)) {
    return start_session(self, session_spec_for_plan(self, start.session_id, *planned), planned->plan.count,
                         planned->plan.seconds);
  }
  const auto& step = std::get<lifecycle::recovery_task>(start.task);
  start_session(self, session_spec_for_recovery(self, start.session_id, step), std::nullopt, std::nullopt);
}

// A plan for the operator's request: the activity it names, or the planner's choice.
std::variant<policy::session_plan, policy::skip_reason> plan_requested(self_ptr self,
                                                                        const lifecycle::operator_request& request) {
  auto& st = self->state;
  const auto now = now_ms(self);
  policy::plan_context context;
  context.now_ms = now;
  context.clock = policy::read_local_clock(st.zone, now);
  context.mood = current_mood(self, context.clock);
  context.targets = follow_targets_of(st);
  if (request.activity.empty()) {
    auto decision = policy::plan_session(*st.account, *st.config, context, st.random);
    if (!decision.goes()) return decision.reason();
    return decision.plan();
  }
  const auto* activity = st.config->find_activity(request.activity);
  if (activity == nullptr) return policy::skip_reason::activity_removed;
  return policy::plan_for(*activity, *st.account, context, st.random);
}

void apply(self_ptr self, lifecycle::transition next, const msg::session_finished* ended = nullptr);

// Answers the operator's waiting request, if one waits, and forgets it.
template <typename Answer>
void answer_requester(self_ptr self, const Answer& answer) {
  auto& requested = self->state.requested;
  if (!requested) return;
  if (requested->promise.pending()) requested->promise.deliver(answer);
  requested.reset();
}

void answer_with_refusal(self_ptr self, const lifecycle::refuse_request& refusal) {
  auto& st = self->state;
  if (!st.requested) return;
  answer_requester(self, msg::refused_session(st.account->account_id, st.requested->activity,
                                              std::string(lifecycle::to_string(refusal.code)),
                                              refusal.why, now_ms(self)));
}

void settle_recovery(self_ptr self, bool parked) {
  auto& st = self->state;
  *st.account = parked ? policy::park_for_recovery(std::move(*st.account), now_ms(self))
                       : policy::release_from_recovery(std::move(*st.account));
  persist(self);
  if (parked) st.last_error = std::make_unique<std::string>("every recovery step failed; parked");
  auto event = make_event(self, "recovery_over");
  event.reason = parked ? "parked" : "released";
  record(self, std::move(event));
}

// Performs one effect of a lifecycle transition. `ended` is the session
// whose end caused it, if one did.
void perform(self_ptr self, const lifecycle::effect& effect, const msg::session_finished* ended) {
  auto& st = self->state;
  const auto at_ms = ended != nullptr ? ended->ended_at_ms : now_ms(self);
  std::visit(
      overloaded{
          [&](const lifecycle::request_permit& ask) {
            self->send(st.supervisor, msg::permit_request{ask.request_id, st.account->pod,
                                                          st.account->account_id, ask.recovery});
          },
          [&](const lifecycle::cancel_permit& cancel) {
            self->send(st.supervisor, msg::permit_cancel{cancel.request_id});
          },
          [&](const lifecycle::release_permit& release) {
            self->send(st.supervisor, msg::permit_release{release.permit_id, at_ms, release.session_ran});
          },
          [&](const lifecycle::start_session& start) { start_task(self, start); },
          [&](const lifecycle::record_skip& skipped) { skip(self, skipped.reason); },
          [&](const lifecycle::refuse_request& refusal) { answer_with_refusal(self, refusal); },
          [&](const lifecycle::answer_request&) {
            if (ended != nullptr) answer_requester(self, *ended);
          },
          [&](const lifecycle::plan_request& asked) {
            const auto plan = plan_requested(self, asked.request);
            apply(self, lifecycle::on_request_planned(st.lifecycle.get(), plan, ++st.sequence));
          },
          [&](const lifecycle::resubmit_request& queued) {
            apply(self, lifecycle::on_session_request(st.lifecycle.get(), queued.request,
                                                      surroundings_now(self)));
          },
          [&](const lifecycle::need_recovery&) {
            self->send(st.supervisor,
                       msg::recovery_needed{st.account->pod, st.account->account_id,
                                            ended != nullptr ? ended->session_id : "", at_ms});
          },
          [&](const lifecycle::settle_recovery& over) { settle_recovery(self, over.parked); },
          [&](const lifecycle::report_step_result& result) {
            self->send(st.supervisor, msg::recovery_result{st.account->account_id, result.index,
                                                           result.succeeded, at_ms});
          },
          [&](const lifecycle::report_eligibility&) { report_eligibility(self); },
          [&](const lifecycle::quit&) { self->quit(); },
      },
      effect);
}

void apply(self_ptr self, lifecycle::transition next, const msg::session_finished* ended) {
  self->state.lifecycle.set(std::move(next.state));
  for (const auto& effect : next.effects) perform(self, effect, ended);
}

void plan(self_ptr self, bool paused) {
  auto& st = self->state;
  if (!lifecycle::may_plan(st.lifecycle.get())) return;  // one session at a time
  const auto now = now_ms(self);
  const auto clock = policy::read_local_clock(st.zone, now);
  if (policy::needs_daily_reset(*st.account, clock.day)) {
    *st.account = policy::apply_daily_reset(std::move(*st.account), clock.day, st.config->energy);
    persist(self);
  }
  if (policy::recovery_cooldown_elapsed(*st.account, st.config->recovery, now)) {
    return apply(self, lifecycle::on_cooldown_elapsed(st.lifecycle.get()));
  }
  policy::plan_context context;
  context.now_ms = now;
  context.clock = clock;
  context.mood = current_mood(self, clock);
  context.paused = paused;
  context.targets = follow_targets_of(st);
  const auto decision = policy::plan_session(*st.account, *st.config, context, st.random);
  apply(self, lifecycle::on_planned(st.lifecycle.get(), decision, ++st.sequence));
  if (const auto* planned = std::get_if<lifecycle::waiting>(&st.lifecycle.get())) {
    auto event = make_event(self, "plan");
    event.activity = planned->session.plan.activity;
    event.mood = planned->session.plan.mood;
    event.burst = planned->session.burst;
    record(self, std::move(event));
  }
}

void on_granted(self_ptr self, const msg::permit_granted& grant) {
  const auto session_id = new_session_id(self);
  apply(self, lifecycle::on_permit_granted(self->state.lifecycle.get(), grant.request_id,
                                           grant.permit_id, session_id, surroundings_now(self)));
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

void keep_session_ended(self_ptr self, const msg::session_finished& done) {
  if (!keeps_session_records(self)) return;
  store::session_record row;
  row.session_id = done.session_id;
  row.account_id = done.account_id;
  row.pod = self->state.account->pod;  // in cluster mode the store writes it under the pod's lease
  row.ended_at_ms = done.ended_at_ms;
  row.exit_code = done.exit_code;
  row.outcome = done.outcome;
  if (!done.result_json.empty()) row.result_json = done.result_json;
  keep(self, std::move(row));
}

void record_session_end(self_ptr self, const msg::session_finished& done, bool failed, bool burst) {
  keep_session_ended(self, done);
  auto event = make_event(self, failed ? "error" : "finish");
  event.session_id = done.session_id;
  event.activity = done.activity;
  event.reason = failed ? done.outcome : done.recovery_step;
  event.duration_ms = done.ended_at_ms - done.started_at_ms;
  event.exit_code = done.exit_code;
  event.burst = burst;
  record(self, std::move(event));
}

lifecycle::session_end finish_recovery_step(self_ptr self, const msg::session_finished& done) {
  auto& st = self->state;
  const bool succeeded = done.outcome == "success";
  record_session_end(self, done, !succeeded, false);
  st.account->running_session.clear();
  persist(self);
  return succeeded ? lifecycle::session_end::carry_on : lifecycle::session_end::needs_recovery;
}

// Draws the burst after a session that ended well.
lifecycle::session_end draw_burst(self_ptr self, const msg::session_finished& done,
                                  const config::mood_config* mood) {
  auto& st = self->state;
  switch (policy::decide_burst(*st.account, *st.config, mood, st.random)) {
    case policy::burst_draw::impossible:
      return lifecycle::session_end::carry_on;
    case policy::burst_draw::denied:
      return lifecycle::session_end::burst_denied;
    case policy::burst_draw::bursts:
      break;
  }
  st.account->next_eligible_at_ms =
      policy::burst_next_eligible(done.ended_at_ms, st.config->bursts);
  // Not on the pod's tick grid: the second session comes about gapMs later.
  self->delayed_send(self,
                     std::chrono::milliseconds(st.account->next_eligible_at_ms - done.ended_at_ms),
                     msg::pod_tick_atom::value);
  return lifecycle::session_end::burst;
}

lifecycle::session_end finish_planned_session(self_ptr self, const msg::session_finished& done,
                                              const lifecycle::planned_session& planned) {
  auto& st = self->state;
  const auto outcome = outcome_of(done.outcome);
  const bool failed = outcome != policy::session_outcome::success &&
                      outcome != policy::session_outcome::no_targets;
  record_session_end(self, done, failed, planned.burst);
  if (st.context->metrics) st.context->metrics->session_ended(done.activity, done.outcome);
  const auto* mood = current_mood(self, policy::read_local_clock(st.zone, done.ended_at_ms));
  policy::session_report report{done.activity, done.ended_at_ms, outcome, done.units_done,
                                done.targets_consumed};
  *st.account =
      policy::apply_session_end(std::move(*st.account), *st.config, mood, report, st.random);
  add_summary(self, [&](store::runner_summary& delta) {
    delta.sessions = 1;
    delta.sessions_by_activity[done.activity] = 1;
    delta.errors = failed ? 1 : 0;
    delta.bursts = planned.burst ? 1 : 0;
    delta.active_ms = done.ended_at_ms - done.started_at_ms;
  });
  ++(failed ? st.counters.failures : st.counters.sessions);
  if (failed)
    st.last_error =
        std::make_unique<std::string>(done.outcome + (done.error.empty() ? "" : ": " + done.error));
  auto end = lifecycle::session_end::carry_on;
  if (done.outcome == "cancelled") {
    // Stopped by the daemon (its drain ran out), not failed by the account: no recovery.
  } else if (outcome == policy::session_outcome::hard_error || outcome == policy::session_outcome::timeout) {
    end = lifecycle::session_end::needs_recovery;
  } else if (st.account->needs_recovery) {
    end = lifecycle::session_end::parked;  // auth required: it needs its owner
  } else if (!failed && !planned.burst) {
    end = draw_burst(self, done, mood);
  }
  persist(self);
  return end;
}

void on_finished(self_ptr self, const msg::session_finished& done) {
  auto& st = self->state;
  const auto task = lifecycle::running_task(st.lifecycle.get(), done.session_id);
  if (!task) return;
  st.session = caf::actor{};
  st.cancel.reset();
  const auto* planned = std::get_if<lifecycle::planned_session>(&*task);
  const auto end = planned != nullptr ? finish_planned_session(self, done, *planned) : finish_recovery_step(self, done);
  apply(self, lifecycle::on_session_ended(st.lifecycle.get(), done.session_id, end), &done);
}

// An operator's session (RUN_SESSION), answered with its end or a refusal.
// It waits for a permit like any other; a plan still waiting for its permit
// gives way to it, a running session finishes first. One at a time.
caf::result<caf::message> on_session_request(self_ptr self, const msg::session_request& request) {
  auto& st = self->state;
  auto next =
      lifecycle::on_session_request(st.lifecycle.get(), {request.activity}, surroundings_now(self));
  if (next.effects.size() == 1) {
    if (const auto* refusal = std::get_if<lifecycle::refuse_request>(&next.effects.front())) {
      return caf::make_message(msg::refused_session(
          st.account->account_id, request.activity,
          std::string(lifecycle::to_string(refusal->code)), refusal->why, now_ms(self)));
    }
  }
  st.requested = std::make_unique<pending_request>(pending_request{self->make_response_promise(), request.activity});
  apply(self, std::move(next));
  return caf::delegated<caf::message>{};
}

// An operator cleared the account's recovery: it may plan again at once. A
// recovery step already running ends normally; one waiting for its permit
// is dropped.
void clear_recovery(self_ptr self) {
  auto& st = self->state;
  *st.account = policy::release_from_recovery(std::move(*st.account));
  persist(self);
  auto event = make_event(self, "recovery_over");
  event.reason = "cleared";
  record(self, std::move(event));
  apply(self, lifecycle::on_recovery_cleared(st.lifecycle.get()));
}

void on_config(self_ptr self, const msg::config_snapshot& snap) {
  auto& st = self->state;
  st.config = snap.config;
  st.config_version = snap.version;
  read_targets(self);
  apply(self, lifecycle::on_config_snapshot(st.lifecycle.get(), surroundings_now(self)));
  report_eligibility(self);
}

msg::actor_snapshot snapshot(self_ptr self) {
  const auto& st = self->state;
  const auto& account = *st.account;
  msg::actor_snapshot snap;
  snap.kind = "account";
  snap.id = "account:" + account.account_id;
  snap.parent = "pod:" + account.pod;
  snap.state["energy"] = std::to_string(account.energy);
  snap.state["next_eligible_at_ms"] = std::to_string(account.next_eligible_at_ms);
  snap.state["error_streak"] = std::to_string(account.error_streak);
  snap.state["needs_recovery"] = account.needs_recovery ? "true" : "false";
  snap.state["running_session"] = account.running_session;
  snap.state["waiting_for_permit"] =
      lifecycle::waits_for_permit(st.lifecycle.get()) ? "true" : "false";
  snap.state["status"] = std::string(lifecycle::status_of(st.lifecycle.get()));
  snap.state["pod"] = account.pod;
  snap.state["config_version"] = std::to_string(st.config_version);
  snap.state["last_skip_reason"] =
      st.last_skip ? std::string(policy::to_string(*st.last_skip)) : "";
  const auto* mood = current_mood(self, policy::read_local_clock(st.zone, now_ms(self)));
  snap.state["mood"] = mood ? mood->name : "";
  const std::pair<const char*, std::int64_t> counts[] = {{"sessions", st.counters.sessions},
                                                        {"failures", st.counters.failures},
                                                        {"skips", st.counters.skips},
                                                        {"progress", st.counters.progress}};
  for (const auto& [name, count] : counts) {
    if (count != 0) snap.counters[name] = count;  // as a map of what happened: none yet, none shown
  }
  std::int64_t sessions_today = 0;
  for (const auto& entry : account.starts_today) sessions_today += entry.second;
  snap.counters["sessions_today"] = sessions_today;
  snap.mailbox_size = self->mailbox().size();
  snap.messages_handled = st.messages_handled;
  if (st.last_error) snap.last_error = *st.last_error;
  return snap;
}

void start(self_ptr self) {
  auto& st = self->state;
  read_targets(self);
  st.lifecycle.set(lifecycle::initial_lifecycle(st.account->needs_recovery));
  if (!st.account->running_session.empty()) {
    // A crash left the flag set: no session of ours runs now.
    st.account->running_session.clear();
    persist(self);
  }
  report_eligibility(self);
}

}  // namespace

namespace {

// One step of the account (a message handled, or its start): the records
// it makes go out as one batch when it is done.
class handling {
 public:
  explicit handling(self_ptr self, bool counted = true) : self_(self) {
    if (counted) ++self_->state.messages_handled;
    self_->state.step_records = &records_;
  }
  ~handling() {
    self_->state.step_records = nullptr;
    if (!records_.records.empty()) self_->send(self_->state.context->records, std::move(records_));
  }
  handling(const handling&) = delete;
  handling& operator=(const handling&) = delete;

 private:
  self_ptr self_;
  msg::record_batch records_;
};

}  // namespace

namespace {

// The message's one element when it is a `Message`, else null.
template <typename Message>
const Message* as(const caf::type_erased_tuple& content) {
  return content.match_elements<Message>() ? &content.get_as<Message>(0) : nullptr;
}

// Every message of an account but the plan tick. CAF 0.17 keeps a copy of
// each handler of a behaviour (about 40 bytes) in every actor: dispatched
// from the default handler, one function serves all the accounts of a node.
// Unknown messages are dropped as CAF's default handler drops them.
caf::result<caf::message> handle_message(caf::scheduled_actor* actor, caf::message_view& view) {
  const auto self = static_cast<self_ptr>(actor);
  const auto& content = view.content();
  auto& st = self->state;
  if (const auto* grant = as<msg::permit_granted>(content)) {
    handling step(self);
    on_granted(self, *grant);
  } else if (content.match_elements<msg::session_started>()) {
    handling step(self);
  } else if (content.match_elements<msg::session_progress>()) {
    handling step(self);
    ++st.counters.progress;
  } else if (const auto* done = as<msg::session_finished>(content)) {
    handling step(self);
    on_finished(self, *done);
  } else if (content.match_elements<msg::pod_tick_atom>()) {  // a burst's second session is due
    handling step(self);
    plan(self, false);
  } else if (const auto* asked = as<msg::recovery_step>(content)) {
    handling step(self);
    apply(self, lifecycle::on_recovery_step(st.lifecycle.get(), {asked->index, asked->step},
                                            ++st.sequence));
  } else if (const auto* over = as<msg::recovery_over>(content)) {
    handling step(self);
    apply(self, lifecycle::on_recovery_over(st.lifecycle.get(), over->parked));
  } else if (const auto* snap = as<msg::config_snapshot>(content)) {
    handling step(self);
    on_config(self, *snap);
  } else if (content.match_elements<msg::shutdown_atom>()) {
    handling step(self);
    apply(self, lifecycle::on_retire(st.lifecycle.get()));
  } else if (content.match_elements<msg::stop_sessions_atom>()) {
    // The daemon's drain ran out: the driver stops, and the session's end
    // is recorded like any other (outcome cancelled) while the tree lives.
    handling step(self);
    if (st.cancel) st.cancel->cancel();
  } else if (content.match_elements<msg::inspect_atom>()) {
    return caf::make_message(snapshot(self));
  } else if (const auto* request = as<msg::session_request>(content)) {
    handling step(self);
    return on_session_request(self, *request);
  } else if (content.match_elements<msg::clear_recovery_atom, std::string>()) {
    handling step(self);
    clear_recovery(self);
    return caf::make_message(true);
  } else {
    return caf::print_and_drop(actor, view);
  }
  return caf::message{};
}

}  // namespace

caf::behavior account_actor(caf::stateful_actor<account_actor_state>* self,
                            std::shared_ptr<const node_context> context,
                            std::shared_ptr<const config::troupe_config> config,
                            std::unique_ptr<account_state> initial, const date::time_zone* zone,
                            caf::actor supervisor, caf::actor pod) {
  auto& st = self->state;
  st.account = std::move(initial);
  st.context = std::move(context);
  st.config = std::move(config);
  st.zone = zone;
  st.supervisor = std::move(supervisor);
  st.pod = std::move(pod);
  st.random = policy::rng(policy::derive_seed(st.context->root_seed, st.account->account_id));
  {
    handling starting(self, false);
    start(self);
  }
  self->set_default_handler(handle_message);
  // The tick every account gets; the others come through handle_message.
  return {
      [self](const msg::plan_tick& tick) {
        handling step(self);
        plan(self, tick.paused);
      },
  };
}

}  // namespace troupe::actors
