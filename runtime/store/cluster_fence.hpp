// Fencing of a pod's writes in cluster mode: a write of a pod's rows
// (sessions, events, accounts) names the pod lease it acts under, and the
// database applies it only if `pod_leases` has that pod held by that node
// with that epoch, unexpired by the database's clock, checked in the same
// statement as the write. A node that lost its pods (partitioned, paused
// past its lease) therefore cannot write after the new holder took over,
// whatever it believes. The guard locks the lease row FOR SHARE, so a take
// waits for a fenced write in flight and a write waits for a take in flight
// (and then sees the new epoch). PostgreSQL only. Thread-safe (constants).
#pragma once

#include <cstdint>
#include <string>

namespace troupe::store {

// The lease a write acts under (from take_pod_lease).
struct pod_fence {
  std::string pod;
  std::string node;
  std::int64_t epoch = 0;
};

// How a fenced write ended, when it reached the database.
enum class fenced_write {
  written,
  // Nothing written: the lease is not (or no longer) held by that node with that epoch.
  stale_lease,
};

// SQL condition for a WHERE clause: true iff the fence's lease is held.
// Binds three values after the statement's own, in this order: the pod
// (text), the node (text), the epoch (bigint). E.g.
//   "INSERT INTO t (...) SELECT :a, :b WHERE " + pod_fence_guard()
//   "UPDATE t SET ... WHERE id = :id AND " + pod_fence_guard()
std::string pod_fence_guard();

}  // namespace troupe::store
