// The `pod_leases` table: which node runs each pod, and the epoch that
// fences the pod's writes (see cluster_fence.hpp).
//
// Built against the known failures of leases kept in a database: expiry is
// the database's clock (clock_timestamp()), never a node's; a renewal
// changes the row only when the renewing node still holds the lease with
// the epoch it took (an unconditional renewal once let a node believe for
// days that it was leader and run every job twice); taking a lease, only
// when it is free, released or expired, increments the epoch, so a node
// paused past its lease (GC, partition, suspended VM) finds its epoch stale
// on its next write. Row-level conditional updates, no advisory locks: a
// session-level lock vanishes silently behind a transaction pooler or on a
// failover, a row does not.
//
// A lease is held while expires_at (epoch ms) is after the database's now.
// PostgreSQL only: every function fails on SQLite. Functions use the given
// database only; its contract (one thread at a time) applies. Two nodes
// racing for a lease never both get it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

struct pod_lease {
  std::string pod;
  std::string node;  // the holder, or the last holder when not held
  std::int64_t epoch = 0;
  std::int64_t expires_at = 0;
  bool held = false;  // expires_at after the database's now (as read)
};

// The expiry a release stores: before any time the database reads.
constexpr std::int64_t released_pod_lease_expiry = 0;

// Takes the lease of `pod` for `node` until the database's now + ttl_ms,
// with the epoch plus one (1 for a pod never leased), when it is free,
// released or expired, and records the take (pod_lease_takes). Returns
// nullopt when a node holds it (`node` itself too: a holder renews; a node
// restarted under the same id waits for its previous run's leases to
// expire, since that run's drivers may outlive it). Fails on an empty pod
// or node or a ttl_ms < 1.
result<std::optional<pod_lease>> take_pod_lease(database& db, const std::string& pod,
                                                const std::string& node, std::int64_t ttl_ms);

// A lease a node believes it holds.
struct held_pod {
  std::string pod;
  std::int64_t epoch = 0;
};

enum class lease_renewal {
  renewed,  // held by the node with that epoch, now until now + ttl
  lost,     // expired, released, or taken by another node or a newer epoch: stop the pod
};

struct pod_lease_renewal {
  std::string pod;
  std::int64_t epoch = 0;
  lease_renewal outcome = lease_renewal::lost;
  std::int64_t expires_at = 0;  // the new expiry when renewed
};

// Renews, in one statement, each of `held` that `node` still holds
// unexpired with that epoch, until the database's now + ttl_ms; element i
// of the result answers held[i]. An expired lease is lost even if nobody
// took it: its node may already have been seen gone, and must take it anew
// (a new epoch). Fails on an empty node or a ttl_ms < 1.
result<std::vector<pod_lease_renewal>> renew_pod_leases(database& db, const std::string& node,
                                                        const std::vector<held_pod>& held,
                                                        std::int64_t ttl_ms);

// renew_pod_leases for one lease.
result<lease_renewal> renew_pod_lease(database& db, const std::string& pod, const std::string& node,
                                      std::int64_t epoch, std::int64_t ttl_ms);

// Releases the lease so another node can take it at once (a graceful stop).
// Returns false, changing nothing, unless `node` holds it with that epoch.
result<bool> release_pod_lease(database& db, const std::string& pod, const std::string& node,
                               std::int64_t epoch);

// Every pod's lease row, held or not, by pod.
result<std::vector<pod_lease>> list_pod_leases(database& db);

// A take of a pod lease (take_pod_lease records each), for the views'
// recent hand-overs.
struct pod_lease_take {
  std::string pod;
  std::string node;
  std::int64_t epoch = 0;
  std::string previous_node;  // empty: the pod's first lease
  // The previous lease's expiry: released_pod_lease_expiry when its holder
  // released it (a hand-over), else when it ran out. nullopt: first lease.
  std::optional<std::int64_t> previous_expires_at;
  std::int64_t taken_at = 0;
};

// The latest `limit` takes, newest first.
result<std::vector<pod_lease_take>> recent_pod_lease_takes(database& db, int limit);

}  // namespace troupe::store
