// The store actor: the only actor that talks SQL. It runs detached (its own
// thread, so blocking SQL never stalls CAF's scheduler), owns one database
// session, writes behind (account states, runner events, sessions and
// summary increments are batched and flushed every `flush_interval`), and
// answers loads of a pod's accounts. A database that goes away is retried at
// every flush; nothing pending is lost and the daemon stays up. It answers
// the liveness probe (msg::alive_atom) between two pieces of SQL work, so a
// store stuck in one does not answer it.
//
// Cluster mode: the supervisor tells the store each pod lease it takes
// (msg::pod_lease_taken). From then on the records of that pod wait apart,
// under the lease current when they arrived, and are written fenced by it
// (runtime/store/cluster_fence.hpp): refused, and dropped, once another
// node took the pod. A record keeps the lease it came under, so records of
// a lease lost during an outage stay refused after this node takes the pod
// again.
#pragma once

#include <caf/actor.hpp>
#include <caf/stateful_actor.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "runtime/failure_streak.hpp"
#include "runtime/store/cluster_fence.hpp"
#include "runtime/store/database.hpp"
#include "runtime/write_behind.hpp"

namespace troupe::actors {

struct store_state {
  std::optional<store::database> db;
  std::string url;
  int busy_timeout_ms = 5000;
  write_behind pending;  // records of pods without a lease (every pod on a single node)
  // Cluster mode: the latest lease of each pod, and the records waiting
  // under each lease, by pod and epoch.
  std::map<std::string, store::pod_fence> fences;
  std::map<std::pair<std::string, std::int64_t>, write_behind> fenced_pending;
  std::int64_t stale_writes_refused = 0;  // records dropped because their lease was stale
  std::chrono::milliseconds flush_interval{200};
  bool flush_scheduled = false;
  failure_streak flush_failures;  // logged at its start, reminded, and its end
  std::uint64_t messages_handled = 0;
  std::string last_error;
  static inline const char* name = "store";

  // CAF destroys the state when the actor exits: the last writes go out then.
  ~store_state();
};

// Opens `url` (already migrated by the caller); spawn it with caf::detached.
caf::behavior store_actor(caf::stateful_actor<store_state>* self, std::string url,
                          int busy_timeout_ms);

}  // namespace troupe::actors
