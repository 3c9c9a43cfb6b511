// Messages between the cluster node actor (actors/cluster_node.hpp) and the
// supervisor in cluster mode: which pods this node may run, under which
// lease, and until when. Trust deadlines are steady_clock instants in
// nanoseconds since its epoch (the node's monotonic clock, never a wall
// clock: see runtime/cluster/lease_timing.hpp).
#pragma once

#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace troupe::msg {

// A pod lease as the supervisor runs a pod under it.
struct pod_lease_view {
  std::string pod;
  std::int64_t epoch = 0;
};

// Node -> supervisor: this node took the lease of `pod` (node `node`,
// `epoch`): run the pod, fenced by that lease, until `trusted_until_ns`
// unless a renewal extends it.
struct pod_lease_taken {
  std::string pod;
  std::string node;
  std::int64_t epoch = 0;
  std::int64_t trusted_until_ns = 0;
};

// Node -> supervisor: these leases were renewed; each is trusted until
// `trusted_until_ns` now.
struct pod_leases_renewed {
  std::vector<pod_lease_view> leases;
  std::int64_t trusted_until_ns = 0;
};

// Node -> supervisor: the lease is gone (expired, or another node holds
// it): stop the pod's drivers and the pod now.
struct pod_lease_lost {
  std::string pod;
  std::int64_t epoch = 0;
};

// Node -> supervisor: the pod belongs on another node now: stop it
// gracefully (running sessions end as usual), then answer pod_stopped.
struct pod_hand_over {
  std::string pod;
  std::int64_t epoch = 0;
};

// Supervisor -> node: the pod of that lease has stopped; the node may release it.
struct pod_stopped {
  std::string pod;
  std::int64_t epoch = 0;
};

// The cluster-wide semaphore (runtime/store/cluster_permits.hpp) in place
// of the supervisor's in-memory one: the supervisor keeps its accounts'
// requests and names each by a ticket; the node actor asks the database.

// Supervisor -> node: an account of `pod` waits for a permit.
struct cluster_permit_wanted {
  std::uint64_t ticket = 0;
  std::string pod;
  std::string account_id;
};

// Supervisor -> node: that request is withdrawn (a grant that crossed it
// comes back as usual, and the supervisor returns it at once).
struct cluster_permit_withdrawn {
  std::uint64_t ticket = 0;
};

// Node -> supervisor: the request of `ticket` got permit slot `slot`, grant `token`.
struct cluster_permit_granted {
  std::uint64_t ticket = 0;
  int slot = 0;
  std::int64_t token = 0;
  std::int64_t granted_at_ms = 0;  // the database's clock
};

// Supervisor -> node: the permit is returned; grantable again after the delay.
struct cluster_permit_returned {
  int slot = 0;
  std::int64_t token = 0;
  std::int64_t handoff_delay_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_permit_wanted& x) {
  return f(caf::meta::type_name("cluster_permit_wanted"), x.ticket, x.pod, x.account_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_permit_withdrawn& x) {
  return f(caf::meta::type_name("cluster_permit_withdrawn"), x.ticket);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_permit_granted& x) {
  return f(caf::meta::type_name("cluster_permit_granted"), x.ticket, x.slot, x.token,
           x.granted_at_ms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_permit_returned& x) {
  return f(caf::meta::type_name("cluster_permit_returned"), x.slot, x.token, x.handoff_delay_ms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pod_lease_view& x) {
  return f(caf::meta::type_name("pod_lease_view"), x.pod, x.epoch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pod_lease_taken& x) {
  return f(caf::meta::type_name("pod_lease_taken"), x.pod, x.node, x.epoch, x.trusted_until_ns);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pod_leases_renewed& x) {
  return f(caf::meta::type_name("pod_leases_renewed"), x.leases, x.trusted_until_ns);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pod_lease_lost& x) {
  return f(caf::meta::type_name("pod_lease_lost"), x.pod, x.epoch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pod_hand_over& x) {
  return f(caf::meta::type_name("pod_hand_over"), x.pod, x.epoch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pod_stopped& x) {
  return f(caf::meta::type_name("pod_stopped"), x.pod, x.epoch);
}

}  // namespace troupe::msg
