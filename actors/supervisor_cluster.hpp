// The supervisor's part for pod leases in cluster mode (the node actor,
// actors/cluster_node.hpp, holds them in PostgreSQL): a pod runs here only
// under a lease the node took, with its accounts' records fenced by it; the
// supervisor stops the pod's drivers and the pod when the node says the
// lease is lost, or by its own clock when the lease's trust runs out before
// a renewal arrives (the node may be stuck in a database call that a cut
// link never answers); a pod handed over stops gracefully. Either way the
// node is told once the pod is gone (msg::pod_stopped), and releases the
// lease if it still holds it: a node whose renewal came back after the
// supervisor gave up on it must not keep a pod that runs nowhere.
// In cluster mode the accounts' permits come from the cluster-wide
// semaphore through the node actor (runtime/store/cluster_permits.hpp):
// the same messages for the accounts, the handoff delay drawn here and
// carried by the returned permit to whichever node gets it next.
// Internal to actors/supervisor.cpp.
#pragma once

#include <caf/stateful_actor.hpp>
#include <string>

#include "actors/supervisor.hpp"
#include "messages/cluster.hpp"

namespace troupe::actors {

using supervisor_ptr = caf::stateful_actor<supervisor_state>*;

bool clustered(const supervisor_state& st);

// True unless clustered and this node holds no lease of `pod` it keeps running.
bool runs_here(const supervisor_state& st, const std::string& pod);

// Records the lease and when to check its trust, and tells the store to
// write the pod's records under it; the caller starts the pod.
void keep_lease(supervisor_ptr self, const msg::pod_lease_taken& taken);
void extend_leases(supervisor_ptr self, const msg::pod_leases_renewed& renewed);

// Stops each pod whose lease's trust ran out (lease_check_atom).
void stop_untrusted_pods(supervisor_ptr self);

// The lease is gone, or no longer trusted: its pod's drivers (SIGTERM,
// then SIGKILL after drivers.killGraceMs) and the pod stop now.
void lose_lease(supervisor_ptr self, const std::string& pod, std::int64_t epoch);

// Stops the pod gracefully; its lease is released once it is gone.
void hand_over(supervisor_ptr self, const msg::pod_hand_over& hand_over);

// A graceful stop of the node: each pod stops once its sessions end, and
// its lease goes to another node at once.
void hand_over_every_pod(supervisor_ptr self);

// The pod is gone: if its lease was stopping, the node may release it once
// the store wrote the pod's last records.
void release_when_stopped(supervisor_ptr self, const std::string& pod);

// The cluster-wide semaphore, for an account's request, grant, release and withdrawal.
void want_cluster_permit(supervisor_ptr self, supervisor_state::requester who,
                         const std::string& account_id);
void on_cluster_grant(supervisor_ptr self, const msg::cluster_permit_granted& granted);
void return_cluster_permit(supervisor_ptr self, std::uint64_t permit_id, bool session_ran);
void withdraw_cluster_request(supervisor_ptr self, std::uint64_t request_id,
                              const caf::actor_addr& account);

// The requests and permits of a pod that is gone go back to the cluster.
void forget_pod_cluster_permits(supervisor_ptr self, const std::string& pod);

// Pausing or draining withdraws every waiting request (kept here);
// resuming sends them again.
void withdraw_all_cluster_requests(supervisor_ptr self);
void resend_cluster_requests(supervisor_ptr self);

}  // namespace troupe::actors
