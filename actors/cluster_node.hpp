// The cluster node actor (cluster mode, `troupe run --cluster`): this
// node's membership in the cluster and its pod leases, kept in PostgreSQL.
// It runs detached (blocking SQL on its own thread, its own connection) and
// every `cluster.heartbeatMs`: heartbeats (registering again if its row is
// gone), renews the leases it holds, looks at the live nodes and places the
// pods (runtime/cluster/placement.hpp), takes the leases of the pods placed
// here and hands over those placed elsewhere. It tells the supervisor each
// lease taken, renewed (with how long it may be trusted), lost or to hand
// over; the supervisor runs a pod only under a lease it trusts, and stops it
// by its own clock when the trust runs out, so a node whose database calls
// hang (a cut link) still stops in time. On `shutdown_atom` (a graceful
// stop begins) it removes its row, so the other nodes place its pods
// elsewhere, takes no lease more, and releases each lease once the
// supervisor says its pod stopped: each pod moves as soon as its sessions
// ended. On `leave_atom` (after the pods stopped) it releases whatever it
// still holds.
//
// In cluster mode it is also the supervisor's way to the cluster-wide
// semaphore (runtime/store/cluster_permits.hpp): it files the accounts'
// requests, claims (which runs the cluster's grant pass) when asked, after
// a return and every claim interval while requests wait, hands the grants
// to the supervisor, renews the permits held at each heartbeat, and keeps
// the semaphore's capacity at the config's `concurrency`.
#pragma once

#include <caf/actor.hpp>
#include <caf/stateful_actor.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "messages/cluster.hpp"
#include "runtime/cluster/lease_timing.hpp"
#include "runtime/cluster/node_settings.hpp"
#include "runtime/failure_streak.hpp"
#include "runtime/store/cluster_nodes.hpp"
#include "runtime/store/cluster_session_requests.hpp"
#include "runtime/store/database.hpp"

namespace troupe::actors {

struct cluster_node_state {
  cluster::node_settings settings;
  std::optional<store::database> db;
  caf::actor supervisor;          // set by its join; no lease is taken before
  std::vector<std::string> pods;  // the pods of the config this node may run
  struct held_lease {
    std::int64_t epoch = 0;
    cluster::monotonic_time renewal_sent_at;
    bool handing_over = false;
  };
  std::map<std::string, held_lease> leases;  // pod -> the lease this node holds
  std::vector<store::node_record> nodes;     // as last listed, for the views
  int concurrency = 0;                       // of the config; set in the database when it changes
  bool capacity_set = false;
  // Requests not yet filed (the database was away), and those waiting by ticket.
  std::vector<msg::cluster_permit_wanted> unfiled;
  std::map<std::uint64_t, std::int64_t> request_of_ticket;  // ticket -> the database's request id
  std::set<std::pair<int, std::int64_t>> permits;           // held: (slot, token)
  bool claim_scheduled = false;
  std::int64_t permits_lost = 0;
  std::deque<std::pair<std::int64_t, store::session_request_end>> unrecorded_ends;  // routed sessions' ends
  std::int64_t routed_sessions = 0;
  bool registered = false;
  bool draining = false;  // a graceful stop began: no row, no take
  bool left = false;
  std::int64_t taken = 0;
  std::int64_t lost = 0;
  std::int64_t handed_over = 0;
  std::uint64_t messages_handled = 0;
  failure_streak failures;  // of its database calls: logged at the start, reminded, and the end
  std::string last_error;
  static inline const char* name = "cluster_node";

  // A node stopped without `leave_atom` (an error path) still leaves.
  ~cluster_node_state();
};

// Spawn with caf::detached, with the config it starts with; each
// msg::config_snapshot after that changes the pods it places.
caf::behavior cluster_node_actor(caf::stateful_actor<cluster_node_state>* self,
                                 cluster::node_settings settings,
                                 std::shared_ptr<const config::troupe_config> config);

}  // namespace troupe::actors
