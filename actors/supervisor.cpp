#include "actors/supervisor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <caf/all.hpp>
#include <iterator>

#include "actors/pod.hpp"
#include "actors/supervisor_cluster.hpp"
#include "actors/supervisor_jobs.hpp"
#include "messages/atoms.hpp"
#include "messages/cluster.hpp"
#include "messages/config_snapshot.hpp"
#include "messages/inspect.hpp"
#include "messages/permits.hpp"
#include "messages/pods.hpp"
#include "messages/recovery.hpp"
#include "messages/sessions.hpp"
#include "runtime/account_lifecycle.hpp"
#include "runtime/policy/handoff.hpp"
#include "runtime/policy/recovery.hpp"

namespace troupe::actors {
namespace {

using self_ptr = caf::stateful_actor<supervisor_state>*;

std::int64_t now_ms(self_ptr self) { return self->state.context->clock.wall_ms(self->clock().now()); }

bool observed(self_ptr self) { return static_cast<bool>(self->state.context->permit_observer); }

// Precondition: observed(self). (The daemon has no observer: no event is made.)
void observe(self_ptr self, msg::permit_event event) {
  self->send(self->state.context->permit_observer, std::move(event));
}

void schedule_wake(self_ptr self, std::int64_t now) {
  auto& st = self->state;
  auto next = st.permits.next_grant_at();
  if (!next || (st.wake_at_ms && *st.wake_at_ms <= *next)) return;
  st.wake_at_ms = next;
  const auto delay = std::max<std::int64_t>(*next - now, 0);
  self->delayed_send(self, std::chrono::milliseconds(delay), msg::grant_wake_atom::value, *next);
}

// Puts `who` in a free waiting slot; returns its request id in the pool.
std::uint64_t add_waiting(supervisor_state& st, supervisor_state::requester who) {
  if (st.free_waiting_slots.empty()) {
    st.waiting.emplace_back(std::move(who));
    return st.waiting.size();
  }
  const auto slot = st.free_waiting_slots.back();
  st.free_waiting_slots.pop_back();
  st.waiting[slot] = std::move(who);
  return slot + 1;
}

// Takes the requester of the pool's `request_id` out of its slot, if it waits.
std::optional<supervisor_state::requester> take_waiting(supervisor_state& st,
                                                        std::uint64_t request_id) {
  const auto slot = static_cast<std::size_t>(request_id - 1);
  if (request_id == 0 || slot >= st.waiting.size() || !st.waiting[slot]) return std::nullopt;
  auto who = std::move(st.waiting[slot]);
  st.waiting[slot].reset();
  st.free_waiting_slots.push_back(slot);
  return who;
}

// Grants what can be granted at `now` (the current instant) and schedules
// the wake for the next permit leaving its handoff delay.
void try_grant(self_ptr self, std::int64_t now) {
  auto& st = self->state;
  if (st.paused || st.draining) return;
  st.permits.grant_ready(now, [&](permit_grant& grant) {
    auto who = take_waiting(st, grant.waiter.request_id);
    if (!who) return;
    auto& holder =
        st.holders.emplace_hint(st.holders.end(), grant.permit_id, std::move(*who))->second;
    ++st.grants;
    self->send(holder.account,
               msg::permit_granted{holder.request_id, grant.permit_id, grant.granted_at_ms});
    if (observed(self)) {
      observe(self, {true, grant.permit_id, std::move(grant.waiter.pod),
                     std::move(grant.waiter.account_id), grant.granted_at_ms, 0});
    }
  });
  schedule_wake(self, now);
}

void try_grant(self_ptr self) { try_grant(self, now_ms(self)); }

void on_request(self_ptr self, const msg::permit_request& request) {
  auto& st = self->state;
  supervisor_state::requester who{caf::actor_cast<caf::actor>(self->current_sender()),
                                  request.request_id, request.pod};
  if (clustered(st)) return want_cluster_permit(self, std::move(who), request.account_id);
  const auto id = add_waiting(st, std::move(who));
  const auto now = now_ms(self);
  st.permits.enqueue({id, request.pod, request.account_id, now});
  try_grant(self, now);
}

void on_release(self_ptr self, const msg::permit_release& release) {
  auto& st = self->state;
  if (clustered(st)) return return_cluster_permit(self, release.permit_id, release.session_ran);
  auto holder = st.holders.find(release.permit_id);
  if (holder == st.holders.end()) return;
  st.holders.erase(holder);
  const auto delay =
      release.session_ran ? policy::sample_handoff_delay_ms(st.config->handoff, st.random) : 0;
  st.permits.release(release.permit_id, release.ended_at_ms + delay);
  ++st.releases;
  if (release.session_ran && st.context->metrics) st.context->metrics->handoff_drawn(delay);
  if (observed(self)) observe(self, {false, release.permit_id, "", "", release.ended_at_ms, delay});
  try_grant(self);
}

void on_cancel(self_ptr self, const msg::permit_cancel& cancel) {
  auto& st = self->state;
  const auto sender = self->current_sender();
  if (clustered(st)) return withdraw_cluster_request(self, cancel.request_id, sender->address());
  for (std::size_t slot = 0; slot < st.waiting.size(); ++slot) {
    const auto& who = st.waiting[slot];
    if (who && who->request_id == cancel.request_id &&
        who->account.address() == sender->address()) {
      st.permits.cancel(slot + 1);
      take_waiting(st, slot + 1);
      return;
    }
  }
}

// Ends the recovery of `account_id`: parked (every step failed) or released.
void end_recovery(self_ptr self, const std::string& account_id, bool parked) {
  auto& st = self->state;
  auto run = st.recoveries.find(account_id);
  if (run == st.recoveries.end()) return;
  ++st.counters[parked ? "recoveries_parked" : "recoveries_succeeded"];
  self->send(run->second.account, msg::recovery_over{account_id, parked});
  st.recoveries.erase(run);
}

void schedule_recovery_step(self_ptr self, const std::string& account_id) {
  auto& st = self->state;
  auto& run = st.recoveries.at(account_id);
  auto step = policy::recovery_step_at(st.config->recovery, run.index);
  if (!step) return end_recovery(self, account_id, true);
  self->delayed_send(self, std::chrono::milliseconds(step->delay_ms), msg::recover_wake_atom::value,
                     account_id, run.index);
}

// An account asks for a recovery. It asks only when it is not in one, so a
// run left by an earlier incarnation of the account (its pod was restarted)
// is replaced: its steps went to an actor that is gone.
void on_recovery_needed(self_ptr self, const msg::recovery_needed& needed) {
  auto& st = self->state;
  const auto account = caf::actor_cast<caf::actor>(self->current_sender());
  auto running = st.recoveries.find(needed.account_id);
  if (running != st.recoveries.end() && running->second.account == account) return;
  ++st.counters["recoveries_started"];
  if (st.context->metrics) st.context->metrics->recovery_started();
  st.recoveries[needed.account_id] = {account, needed.pod, 0};
  schedule_recovery_step(self, needed.account_id);
}

// A step's backoff elapsed. A reload may have shortened the steps since it
// was scheduled: past the last step that remains, the recovery has failed
// and the account is parked (nothing released an account no step repaired).
void on_recover_wake(self_ptr self, const std::string& account_id, int index) {
  auto& st = self->state;
  auto run = st.recoveries.find(account_id);
  if (run == st.recoveries.end() || run->second.index != index) return;
  auto step = policy::recovery_step_at(st.config->recovery, index);
  if (!step) return end_recovery(self, account_id, true);
  self->send(run->second.account, msg::recovery_step{account_id, index, step->name});
}

void on_recovery_result(self_ptr self, const msg::recovery_result& result) {
  auto& st = self->state;
  auto run = st.recoveries.find(result.account_id);
  if (run == st.recoveries.end() || run->second.index != result.index) return;
  if (result.succeeded) return end_recovery(self, result.account_id, false);
  ++run->second.index;
  schedule_recovery_step(self, result.account_id);
}

void spawn_pod(self_ptr self, const std::string& name) {
  auto& st = self->state;
  st.pods[name] = self->spawn<caf::linked>(pod_actor, st.context, st.config, name,
                                           caf::actor_cast<caf::actor>(self));
  if (st.paused) self->send(st.pods[name], msg::pause_atom::value);
}

// True iff `pod` is in the current config, not filtered out by --pod and,
// in cluster mode, held here under a lease.
bool wanted(const supervisor_state& st, const std::string& pod) {
  const auto& pods = st.config->pods;
  const bool configured = std::any_of(pods.begin(), pods.end(),
                                      [&](const config::pod_config& p) { return p.name == pod; });
  return configured &&
         (st.pod_filter.empty() ||
          std::find(st.pod_filter.begin(), st.pod_filter.end(), pod) != st.pod_filter.end()) &&
         runs_here(st, pod);
}

// A pod died: restart it with backoff, or escalate past the restart limit.
// Forgets what the accounts of a pod that is gone waited for or held.
void forget_pod_permits(self_ptr self, const std::string& pod) {
  auto& st = self->state;
  if (clustered(st)) return forget_pod_cluster_permits(self, pod);
  for (std::size_t slot = 0; slot < st.waiting.size(); ++slot) {
    if (!st.waiting[slot] || st.waiting[slot]->pod != pod) continue;
    st.permits.cancel(slot + 1);
    take_waiting(st, slot + 1);
  }
  const auto now = now_ms(self);
  for (auto it = st.holders.begin(); it != st.holders.end();) {
    if (it->second.pod != pod) {
      ++it;
      continue;
    }
    st.permits.release(it->first, now);
    if (observed(self)) observe(self, {false, it->first, pod, "", now, 0});
    it = st.holders.erase(it);
  }
}

// A child (a pod, or "job:NAME") crashed: schedules its restart with
// growing backoff, or gives the whole tree up past the restart limit.
void restart_later(self_ptr self, const std::string& child, const std::string& what,
                   const caf::error& reason) {
  auto& st = self->state;
  st.last_error = what + ": " + self->system().render(reason);
  const auto now = now_ms(self);
  auto& history = st.pod_restarts[child];
  while (!history.empty() && history.front() <= now - st.restarts.restart_window.count()) history.pop_front();
  if (static_cast<int>(history.size()) >= st.restarts.max_restarts) {
    spdlog::critical("supervisor: {} crashed {} times within {} ms; giving up", what,
                     history.size() + 1, st.restarts.restart_window.count());
    self->quit(reason);
    return;
  }
  const auto backoff = st.restarts.first_backoff * (1 << history.size());
  history.push_back(now);
  ++st.counters["restarts"];
  if (st.context->metrics) st.context->metrics->pod_restarted();
  spdlog::error("supervisor: {}; restarting in {} ms", st.last_error, backoff.count());
  self->delayed_send(self, backoff, msg::restart_atom::value, child);
}

void on_pod_exit(self_ptr self, std::string pod, const caf::error& reason) {
  auto& st = self->state;
  st.pods.erase(pod);
  forget_pod_permits(self, pod);
  try_grant(self);
  release_when_stopped(self, pod);
  if (st.draining || !wanted(st, pod)) return;
  if (!reason) return spawn_pod(self, pod);  // it retired, but a later config wants it back
  restart_later(self, pod, "pod " + pod, reason);
}

void on_job_exit(self_ptr self, const std::string& job, const caf::error& reason) {
  self->state.jobs.erase(job);
  if (self->state.draining || !reason) return;
  restart_later(self, job_child_prefix + job, "job " + job, reason);
}

// A restart's backoff elapsed: respawn the pod or the job, unless stopping.
void on_restart(self_ptr self, const std::string& child) {
  auto& st = self->state;
  if (st.draining) return;
  if (child.compare(0, job_child_prefix.size(), job_child_prefix) == 0) {
    const auto job = child.substr(job_child_prefix.size());
    if (st.jobs.count(job) == 0) spawn_job(self, job);
  } else if (st.pods.count(child) == 0) {
    spawn_pod(self, child);
  }
}

// True iff `account_id` belongs to a pod this supervisor runs.
bool configured_account(const supervisor_state& st, const std::string& account_id) {
  return std::any_of(st.config->pods.begin(), st.config->pods.end(), [&](const config::pod_config& pod) {
    return wanted(st, pod.name) &&
           std::find(pod.accounts.begin(), pod.accounts.end(), account_id) != pod.accounts.end();
  });
}

// The running pod whose accounts include `account_id`, if any.
std::optional<caf::actor> pod_of_account(const supervisor_state& st, const std::string& account_id) {
  for (const auto& pod : st.config->pods) {
    auto running = st.pods.find(pod.name);
    if (running != st.pods.end() &&
        std::find(pod.accounts.begin(), pod.accounts.end(), account_id) != pod.accounts.end()) {
      return running->second;
    }
  }
  return std::nullopt;
}

void on_config(self_ptr self, const msg::config_snapshot& snap) {
  auto& st = self->state;
  st.config = snap.config;
  st.config_version = snap.version;
  st.permits.resize(st.config->concurrency);
  forward_config_to_jobs(self, snap);
  for (const auto& entry : st.pods) {
    if (wanted(st, entry.first)) {
      self->send(entry.second, snap);
    } else {
      self->send(entry.second, msg::shutdown_atom::value);  // removed from the config
    }
  }
  for (const auto& pod : st.config->pods) {
    if (wanted(st, pod.name) && st.pods.count(pod.name) == 0) spawn_pod(self, pod.name);
  }
  for (auto it = st.recoveries.begin(); it != st.recoveries.end();) {
    it = configured_account(st, it->first) ? std::next(it) : st.recoveries.erase(it);
  }
  try_grant(self);
}

std::int64_t permits_in_use(const supervisor_state& st) {
  return clustered(st) ? static_cast<std::int64_t>(st.cluster_holders.size()) : st.permits.in_use();
}

msg::actor_snapshot snapshot(self_ptr self) {
  const auto& st = self->state;
  msg::actor_snapshot snap;
  snap.kind = "supervisor";
  snap.id = "supervisor";
  snap.state["paused"] = st.paused ? "true" : "false";
  snap.state["draining"] = st.draining ? "true" : "false";
  snap.state["config_version"] = std::to_string(st.config_version);
  const auto cooling = st.permits.cooling_until(now_ms(self));
  snap.state["next_handoff_at_ms"] = cooling.empty() ? "" : std::to_string(cooling.front());
  snap.counters = st.counters;
  if (st.grants != 0) snap.counters["grants"] = st.grants;  // none yet, none shown, as the others
  if (st.releases != 0) snap.counters["releases"] = st.releases;
  // In cluster mode: this node's share of the cluster's permits.
  snap.counters["permits_capacity"] = st.permits.capacity();
  snap.counters["permits_in_use"] = permits_in_use(st);
  snap.counters["permits_waiting"] =
      clustered(st) ? static_cast<std::int64_t>(st.cluster_waiting.size()) : st.permits.waiting();
  snap.counters["recoveries_running"] = static_cast<std::int64_t>(st.recoveries.size());
  snap.counters["pods"] = static_cast<std::int64_t>(st.pods.size());
  snap.counters["jobs"] = static_cast<std::int64_t>(st.jobs.size());
  if (clustered(st)) snap.counters["pod_leases"] = static_cast<std::int64_t>(st.leases.size());
  snap.mailbox_size = self->mailbox().size();
  snap.messages_handled = st.messages_handled;
  snap.restarts = static_cast<std::uint64_t>(st.counters.count("restarts") ? st.counters.at("restarts") : 0);
  snap.last_error = st.last_error;
  return snap;
}

// The whole tree: the supervisor, then its jobs and each pod with its accounts.
caf::result<msg::tree_snapshot> tree(self_ptr self) {
  // A response promise made takes the reply over: none when there is nothing to wait for.
  const auto children = self->state.pods.size() + self->state.jobs.size();
  if (children == 0) return msg::tree_snapshot{{snapshot(self)}};
  auto promise = self->make_response_promise<msg::tree_snapshot>();
  // The supervisor and the jobs, then each pod's subtree as it comes: moved
  // into one vector once all are in (10,000 accounts grow no vector 14 times).
  auto collected = std::make_shared<msg::tree_snapshot>();
  auto subtrees = std::make_shared<std::vector<msg::tree_snapshot>>();
  subtrees->reserve(self->state.pods.size());
  collected->actors.push_back(snapshot(self));
  auto remaining = std::make_shared<std::size_t>(children);
  auto one_more = [=]() mutable {
    if (--*remaining != 0) return;
    std::size_t size = collected->actors.size();
    for (const auto& pod : *subtrees) size += pod.actors.size();
    collected->actors.reserve(size);
    for (auto& pod : *subtrees) std::move(pod.actors.begin(), pod.actors.end(), std::back_inserter(collected->actors));
    promise.deliver(std::move(*collected));
  };
  for (const auto& entry : self->state.jobs) {
    self->request(entry.second, msg::snapshot_timeout, msg::inspect_atom::value)
        .then(
            [=](msg::actor_snapshot& job) mutable {
              collected->actors.push_back(std::move(job));
              one_more();
            },
            [=](caf::error&) mutable { one_more(); });
  }
  for (const auto& entry : self->state.pods) {
    self->request(entry.second, msg::snapshot_timeout, msg::tree_atom::value)
        .then(
            [=](msg::tree_snapshot& pod) mutable {
              subtrees->push_back(std::move(pod));
              one_more();
            },
            [=](caf::error&) mutable { one_more(); });
  }
  return promise;
}

// The lowest config version the accounts of every pod reported holding, and
// how many accounts that is: asks the pods, not the accounts. A pod that
// does not answer counts no account (so the tree does not look up to date).
caf::result<msg::config_applied> gather_config_applied(self_ptr self) {
  auto& st = self->state;
  if (st.pods.empty()) return msg::config_applied{st.config_version, 0};
  auto promise = self->make_response_promise<msg::config_applied>();
  auto applied = std::make_shared<msg::config_applied>(msg::config_applied{st.config_version, 0});
  auto remaining = std::make_shared<std::size_t>(st.pods.size());
  for (const auto& entry : st.pods) {
    self->request(entry.second, msg::snapshot_timeout, msg::config_applied_atom::value)
        .then(
            [=](const msg::config_applied& pod) mutable {
              applied->lowest_version = std::min(applied->lowest_version, pod.lowest_version);
              applied->accounts += pod.accounts;
              if (--*remaining == 0) promise.deliver(*applied);
            },
            [=](caf::error&) mutable {
              if (--*remaining == 0) promise.deliver(*applied);
            });
  }
  return promise;
}

// An operator's session: refused at once while the node is paused or when
// no pod here runs the account; otherwise the account's pod answers.
caf::result<msg::session_finished> on_session_request(self_ptr self, const msg::session_request& request) {
  auto refuse = [&](lifecycle::refusal code, std::string why) {
    return msg::refused_session(request.account_id, request.activity, std::string(lifecycle::to_string(code)),
                                std::move(why), now_ms(self));
  };
  if (self->state.paused) return refuse(lifecycle::refusal::paused, "the runner is paused");
  auto pod = pod_of_account(self->state, request.account_id);
  if (!pod) return refuse(lifecycle::refusal::not_here, "no account " + request.account_id + " runs here");
  self->delegate(*pod, request);
  return caf::delegated<msg::session_finished>{};
}

void stop_tree(self_ptr self, const caf::error& reason) {
  for (const auto& entry : self->state.pods) self->send_exit(entry.second, caf::exit_reason::user_shutdown);
  for (const auto& entry : self->state.jobs) self->send_exit(entry.second, caf::exit_reason::user_shutdown);
  self->state.draining = true;
  self->quit(reason);
}

}  // namespace

caf::behavior supervisor_actor(caf::stateful_actor<supervisor_state>* self,
                               std::shared_ptr<const node_context> context,
                               std::shared_ptr<const config::troupe_config> config,
                               std::vector<std::string> pod_filter, restart_policy restarts) {
  auto& st = self->state;
  st.context = std::move(context);
  st.config = std::move(config);
  st.pod_filter = std::move(pod_filter);
  st.restarts = restarts;
  st.permits.resize(st.config->concurrency);
  st.random = policy::rng(policy::derive_seed(st.context->root_seed, "supervisor"));
  for (const auto& pod : st.config->pods) {
    if (wanted(st, pod.name)) spawn_pod(self, pod.name);
  }
  spawn_configured_jobs(self);
  if (clustered(st)) self->send(st.context->cluster_node, msg::join_atom::value);
  self->set_exit_handler([=](caf::exit_msg& exit) {
    for (const auto& entry : self->state.pods) {
      if (entry.second.address() == exit.source) return on_pod_exit(self, entry.first, exit.reason);
    }
    if (auto job = job_of(self->state, exit.source); !job.empty()) return on_job_exit(self, job, exit.reason);
    stop_tree(self, exit.reason);  // not a child: someone stops the tree
  });
  auto handled = [self] { ++self->state.messages_handled; };
  return {
      [=](const msg::permit_request& request) {
        handled();
        on_request(self, request);
      },
      [=](const msg::permit_release& release) {
        handled();
        on_release(self, release);
      },
      [=](const msg::permit_cancel& cancel) {
        handled();
        on_cancel(self, cancel);
      },
      // A wake that an earlier one superseded (a release brought the next
      // grant forward) is dropped: it would reset wake_at_ms while the
      // superseding wake is pending, and each such reset scheduled one more
      // (six wakes per session in simulation).
      [=](msg::grant_wake_atom, std::int64_t at_ms) {
        handled();
        if (self->state.wake_at_ms != at_ms) return;
        self->state.wake_at_ms.reset();
        try_grant(self);
      },
      [=](const msg::recovery_needed& needed) {
        handled();
        on_recovery_needed(self, needed);
      },
      [=](msg::recover_wake_atom, const std::string& account_id, int index) {
        handled();
        on_recover_wake(self, account_id, index);
      },
      [=](const msg::recovery_result& result) {
        handled();
        on_recovery_result(self, result);
      },
      [=](msg::restart_atom, const std::string& child) {
        handled();
        on_restart(self, child);
      },
      [=](const msg::config_snapshot& snap) {
        handled();
        on_config(self, snap);
      },
      [=](const msg::pod_lease_taken& taken) {
        handled();
        keep_lease(self, taken);
        if (self->state.draining) return hand_over_every_pod(self);  // taken as the drain began
        if (wanted(self->state, taken.pod) && self->state.pods.count(taken.pod) == 0)
          spawn_pod(self, taken.pod);
      },
      [=](const msg::pod_leases_renewed& renewed) {
        handled();
        extend_leases(self, renewed);
      },
      [=](const msg::cluster_permit_granted& granted) {
        handled();
        on_cluster_grant(self, granted);
      },
      [=](msg::lease_check_atom) {
        handled();
        stop_untrusted_pods(self);
      },
      [=](const msg::pod_lease_lost& lost) {
        handled();
        lose_lease(self, lost.pod, lost.epoch);
      },
      [=](const msg::pod_hand_over& hand_over_pod) {
        handled();
        hand_over(self, hand_over_pod);
      },
      [=](msg::pause_atom) {
        if (clustered(self->state) && !self->state.paused) withdraw_all_cluster_requests(self);
        self->state.paused = true;
        for (const auto& entry : self->state.pods) self->send(entry.second, msg::pause_atom::value);
      },
      [=](msg::resume_atom) {
        if (clustered(self->state) && self->state.paused && !self->state.draining)
          resend_cluster_requests(self);
        self->state.paused = false;
        for (const auto& entry : self->state.pods)
          self->send(entry.second, msg::resume_atom::value);
        try_grant(self);
      },
      [=](msg::shutdown_atom) {
        self->state.draining = true;  // grant nothing more; running sessions finish
        if (clustered(self->state)) {
          withdraw_all_cluster_requests(self);
          self->send(self->state.context->cluster_node, msg::shutdown_atom::value);
          hand_over_every_pod(self);
        }
        return static_cast<int>(permits_in_use(self->state));
      },
      [=](msg::stop_sessions_atom) {
        for (const auto& entry : self->state.pods)
          self->send(entry.second, msg::stop_sessions_atom::value);
      },
      [=](msg::inspect_atom) { return snapshot(self); },
      // One account's snapshot, from its own actor (not the tree); an empty
      // snapshot (no id) when no pod here runs the account.
      [=](msg::inspect_atom atom,
          const std::string& account_id) -> caf::result<msg::actor_snapshot> {
        auto pod = pod_of_account(self->state, account_id);
        if (!pod) return msg::actor_snapshot{};
        self->delegate(*pod, atom, account_id);
        return caf::delegated<msg::actor_snapshot>{};
      },
      [=](msg::alive_atom alive) { return alive; },
      [=](const msg::job_run_request& request) -> caf::result<msg::job_run_reply> {
        handled();
        return route_job_run(self, request);
      },
      [=](msg::jobs_atom) -> caf::result<msg::jobs_view> { return gather_jobs(self); },
      [=](msg::tree_atom) { return tree(self); },
      [=](msg::config_applied_atom) { return gather_config_applied(self); },
      [=](const msg::session_request& request) -> caf::result<msg::session_finished> {
        handled();
        return on_session_request(self, request);
      },
      [=](msg::clear_recovery_atom atom, const std::string& account_id) -> caf::result<bool> {
        handled();
        self->state.recoveries.erase(account_id);  // an operator's word ends a running recovery
        auto pod = pod_of_account(self->state, account_id);
        if (!pod) return false;
        self->delegate(*pod, atom, account_id);
        return caf::delegated<bool>{};
      },
  };
}

}  // namespace troupe::actors
