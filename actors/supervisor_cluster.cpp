#include "actors/supervisor_cluster.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>

#include "messages/atoms.hpp"
#include "messages/permits.hpp"
#include "runtime/policy/handoff.hpp"

namespace troupe::actors {
namespace {

using steady = std::chrono::steady_clock;

steady::time_point steady_at(std::int64_t ns) {
  return steady::time_point(std::chrono::nanoseconds(ns));
}

// Checks the leases' trust at `at` (one message for a whole renewal).
void check_at(supervisor_ptr self, steady::time_point at) {
  const auto wait = std::max(at - self->clock().now(), steady::duration::zero());
  // Rounded up: a check that fires before the deadline would find nothing to stop.
  self->delayed_send(self, std::chrono::ceil<std::chrono::milliseconds>(wait),
                     msg::lease_check_atom::value);
}

// How long a stopped pod's lease waits for its last records to be written.
constexpr std::chrono::seconds last_records_limit{10};

// Marks the lease stopping and lets its pod finish its sessions and stop.
void hand_over_pod(supervisor_ptr self, const std::string& pod) {
  auto& st = self->state;
  auto lease = st.leases.find(pod);
  if (lease == st.leases.end() || lease->second.stopping) return;
  lease->second.stopping = true;
  auto running = st.pods.find(pod);
  if (running == st.pods.end()) return release_when_stopped(self, pod);
  self->send(running->second, msg::shutdown_atom::value);  // sessions end as usual
}

}  // namespace

bool clustered(const supervisor_state& st) { return static_cast<bool>(st.context->cluster_node); }

bool runs_here(const supervisor_state& st, const std::string& pod) {
  if (!clustered(st)) return true;
  const auto lease = st.leases.find(pod);
  return lease != st.leases.end() && !lease->second.stopping;
}

void keep_lease(supervisor_ptr self, const msg::pod_lease_taken& taken) {
  auto& lease = self->state.leases[taken.pod];
  lease.epoch = taken.epoch;
  lease.trusted_until = steady_at(taken.trusted_until_ns);
  lease.stopping = false;
  ++self->state.counters["pod_leases_taken"];
  check_at(self, lease.trusted_until);
  // From now on the store writes the pod's records under this lease.
  if (self->state.context->records) self->send(self->state.context->records, taken);
}

void extend_leases(supervisor_ptr self, const msg::pod_leases_renewed& renewed) {
  const auto until = steady_at(renewed.trusted_until_ns);
  for (const auto& view : renewed.leases) {
    auto lease = self->state.leases.find(view.pod);
    if (lease != self->state.leases.end() && lease->second.epoch == view.epoch)
      lease->second.trusted_until = until;
  }
  check_at(self, until);
}

void stop_untrusted_pods(supervisor_ptr self) {
  const auto now = self->clock().now();
  std::vector<std::pair<std::string, std::int64_t>> untrusted;
  for (const auto& [pod, lease] : self->state.leases) {
    if (!lease.stopping && lease.trusted_until <= now) untrusted.emplace_back(pod, lease.epoch);
  }
  for (const auto& [pod, epoch] : untrusted) {
    spdlog::error("supervisor: the lease of pod {} (epoch {}) was not renewed in time", pod, epoch);
    lose_lease(self, pod, epoch);
  }
}

void lose_lease(supervisor_ptr self, const std::string& pod, std::int64_t epoch) {
  auto& st = self->state;
  auto lease = st.leases.find(pod);
  if (lease == st.leases.end() || lease->second.epoch != epoch || lease->second.stopping) return;
  lease->second.stopping = true;
  ++st.counters["pod_leases_lost"];
  spdlog::error("supervisor: pod {} lost its lease (epoch {}); stopping its drivers and the pod",
                pod, epoch);
  auto running = st.pods.find(pod);
  if (running == st.pods.end()) return release_when_stopped(self, pod);
  self->send(running->second, msg::stop_sessions_atom::value);
  self->send(running->second, msg::shutdown_atom::value);
}

void hand_over(supervisor_ptr self, const msg::pod_hand_over& hand_over) {
  const auto lease = self->state.leases.find(hand_over.pod);
  if (lease == self->state.leases.end() || lease->second.epoch != hand_over.epoch) return;
  hand_over_pod(self, hand_over.pod);
}

void hand_over_every_pod(supervisor_ptr self) {
  std::vector<std::string> held;
  for (const auto& entry : self->state.leases) held.push_back(entry.first);
  for (const auto& pod : held) hand_over_pod(self, pod);
}

void release_when_stopped(supervisor_ptr self, const std::string& pod) {
  auto& st = self->state;
  auto lease = st.leases.find(pod);
  if (lease == st.leases.end() || !lease->second.stopping) return;
  const msg::pod_stopped stopped{pod, lease->second.epoch};
  st.leases.erase(lease);
  ++st.counters["pod_leases_released"];
  // The pod's last records go out under the lease before the node releases
  // it: written after, they would be refused as stale. Released in any case
  // (a store that cannot write now cannot write under an expired lease either).
  const auto node = st.context->cluster_node;
  if (!st.context->records) return self->send(node, stopped);
  self->request(st.context->records, last_records_limit, msg::flush_atom::value, pod)
      .then([=](bool) { self->send(node, stopped); },
            [=](const caf::error&) { self->send(node, stopped); });
}

void want_cluster_permit(supervisor_ptr self, supervisor_state::requester who,
                         const std::string& account_id) {
  auto& st = self->state;
  const auto ticket = ++st.cluster_tickets;
  const auto& waiting =
      st.cluster_waiting
          .emplace(ticket, supervisor_state::cluster_request{std::move(who), account_id})
          .first->second;
  if (!st.paused && !st.draining) {
    self->send(st.context->cluster_node,
               msg::cluster_permit_wanted{ticket, waiting.who.pod, account_id});
  }
}

void on_cluster_grant(supervisor_ptr self, const msg::cluster_permit_granted& granted) {
  auto& st = self->state;
  auto waiting = st.cluster_waiting.find(granted.ticket);
  if (waiting == st.cluster_waiting.end() || st.paused || st.draining) {
    // Withdrawn (or its pod gone) while the grant was on its way: back at once, unused.
    self->send(st.context->cluster_node,
               msg::cluster_permit_returned{granted.slot, granted.token, 0});
    return;
  }
  auto& holder = st.cluster_holders[granted.ticket];
  holder = {std::move(waiting->second.who), granted.slot, granted.token};
  st.cluster_waiting.erase(waiting);
  ++st.grants;
  self->send(holder.holder.account,
             msg::permit_granted{holder.holder.request_id, granted.ticket, granted.granted_at_ms});
}

void return_cluster_permit(supervisor_ptr self, std::uint64_t permit_id, bool session_ran) {
  auto& st = self->state;
  auto holder = st.cluster_holders.find(permit_id);
  if (holder == st.cluster_holders.end()) return;
  const auto delay =
      session_ran ? policy::sample_handoff_delay_ms(st.config->handoff, st.random) : 0;
  self->send(st.context->cluster_node,
             msg::cluster_permit_returned{holder->second.slot, holder->second.token, delay});
  st.cluster_holders.erase(holder);
  ++st.releases;
  if (session_ran && st.context->metrics) st.context->metrics->handoff_drawn(delay);
}

void withdraw_cluster_request(supervisor_ptr self, std::uint64_t request_id,
                              const caf::actor_addr& account) {
  auto& st = self->state;
  for (auto it = st.cluster_waiting.begin(); it != st.cluster_waiting.end(); ++it) {
    if (it->second.who.request_id == request_id && it->second.who.account.address() == account) {
      self->send(st.context->cluster_node, msg::cluster_permit_withdrawn{it->first});
      st.cluster_waiting.erase(it);
      return;
    }
  }
}

void forget_pod_cluster_permits(supervisor_ptr self, const std::string& pod) {
  auto& st = self->state;
  for (auto it = st.cluster_waiting.begin(); it != st.cluster_waiting.end();) {
    if (it->second.who.pod != pod) {
      ++it;
      continue;
    }
    self->send(st.context->cluster_node, msg::cluster_permit_withdrawn{it->first});
    it = st.cluster_waiting.erase(it);
  }
  std::vector<std::uint64_t> held;
  for (const auto& [permit_id, grant] : st.cluster_holders) {
    if (grant.holder.pod == pod) held.push_back(permit_id);
  }
  for (const auto permit_id : held) return_cluster_permit(self, permit_id, false);
}

void withdraw_all_cluster_requests(supervisor_ptr self) {
  for (const auto& entry : self->state.cluster_waiting)
    self->send(self->state.context->cluster_node, msg::cluster_permit_withdrawn{entry.first});
}

void resend_cluster_requests(supervisor_ptr self) {
  for (const auto& [ticket, waiting] : self->state.cluster_waiting) {
    self->send(self->state.context->cluster_node,
               msg::cluster_permit_wanted{ticket, waiting.who.pod, waiting.account_id});
  }
}

}  // namespace troupe::actors
