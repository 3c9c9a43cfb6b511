// The supervisor: root of the actor tree. It owns the global semaphore
// (`concurrency` permits, a fair queue across pods, the log-normal handoff
// delay before a released permit is granted again), runs the multi-step
// recovery of accounts whose session failed hard, and supervises its pods:
// a crashed pod is restarted with growing backoff, at most
// `max_restarts` times within `restart_window`, after which the supervisor
// gives up on the whole tree (escalates) and exits with the pod's error.
// An operator's session request is refused here at once while the node is
// paused (`paused`) or when no pod here runs the account (`not_here`);
// otherwise the account's pod and then the account answer it. A recovery
// whose next step a reload removed ends with the account parked. It also
// runs the content pipeline's job actors (`job:plan`, ...), restarted like
// pods, and routes operators' run requests to them. It answers the liveness
// probe (msg::alive_atom) at once: systemd's watchdog is pinged only while
// it does.
#pragma once

#include <caf/actor.hpp>
#include <caf/stateful_actor.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "runtime/node_context.hpp"
#include "runtime/permit_pool.hpp"
#include "runtime/policy/rng.hpp"

namespace troupe::actors {

struct restart_policy {
  int max_restarts = 5;                                // R
  std::chrono::milliseconds restart_window{std::chrono::minutes(1)};  // T
  std::chrono::milliseconds first_backoff{std::chrono::seconds(1)};  // doubles per restart in the window
};

struct supervisor_state {
  std::shared_ptr<const node_context> context;
  std::shared_ptr<const config::troupe_config> config;
  std::uint64_t config_version = 1;  // the config it starts with is version 1
  restart_policy restarts;
  std::vector<std::string> pod_filter;  // empty: every pod of the config

  permit_pool permits{1};
  policy::rng random{0};
  struct requester {
    caf::actor account;
    std::uint64_t request_id = 0;
    std::string pod;
  };
  // The requesters waiting for a permit, each in a slot whose index + 1 is
  // its request id in the pool; a slot is reused once its requester got its
  // permit or is gone, so a request allocates nothing.
  std::vector<std::optional<requester>> waiting;
  std::vector<std::size_t> free_waiting_slots;
  std::map<std::uint64_t, requester> holders;  // permit id -> holder
  std::optional<std::int64_t> wake_at_ms;      // a grant_wake is scheduled for then

  struct recovery_run {
    caf::actor account;
    std::string pod;
    int index = 0;
  };
  std::map<std::string, recovery_run> recoveries;  // account id -> its recovery

  std::map<std::string, caf::actor> pods;
  // Cluster mode (context->cluster_node set): the pod leases this node
  // holds, by pod; a pod runs here only under one (actors/supervisor_cluster.hpp).
  struct pod_lease {
    std::int64_t epoch = 0;
    std::chrono::steady_clock::time_point trusted_until;
    bool stopping = false;  // lost or handed over: the pod stops, the lease goes once it has
  };
  std::map<std::string, pod_lease> leases;
  // Cluster mode: the cluster-wide semaphore replaces `permits`. Requests
  // wait by ticket (a number never reused, so a grant that crossed a
  // withdrawal cannot reach a later requester); a granted permit's id is
  // its ticket.
  struct cluster_request {
    requester who;
    std::string account_id;
  };
  std::map<std::uint64_t, cluster_request> cluster_waiting;
  struct cluster_grant {
    requester holder;
    int slot = 0;
    std::int64_t token = 0;
  };
  std::map<std::uint64_t, cluster_grant> cluster_holders;
  std::uint64_t cluster_tickets = 0;       // tickets given so far
  std::map<std::string, caf::actor> jobs;  // job name -> its actor (actors/jobs/job.hpp)
  // Restart instants by child: a pod's name, or "job:NAME" for a job.
  std::map<std::string, std::deque<std::int64_t>> pod_restarts;
  bool paused = false;
  bool draining = false;

  std::map<std::string, std::int64_t> counters;  // the rare events; the snapshot adds the two below
  std::int64_t grants = 0;                       // counted on every permit: no lookup by name
  std::int64_t releases = 0;
  std::uint64_t messages_handled = 0;
  std::string last_error;
  static inline const char* name = "supervisor";
};

caf::behavior supervisor_actor(caf::stateful_actor<supervisor_state>* self,
                               std::shared_ptr<const node_context> context,
                               std::shared_ptr<const config::troupe_config> config,
                               std::vector<std::string> pod_filter, restart_policy restarts);

}  // namespace troupe::actors
