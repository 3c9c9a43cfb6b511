// The cluster-wide semaphore: `concurrency` permits shared by every node,
// as rows of `cluster_permits` (one per slot) leased to a node, with the
// in-memory semaphore's rules (runtime/permit_pool.hpp): a fair order
// across pods (round robin over the waiting pods, FIFO within a pod) and a
// handoff delay carried by the permit (`available_at`) from one node to the
// next.
//
// Why it is built this way:
// - No advisory locks: a session-level lock is lost silently behind a
//   transaction pooler or on a failover. Grants are conditional row updates,
//   and slots are picked with FOR UPDATE SKIP LOCKED, so a slot another
//   transaction is renewing, releasing or granting is passed over, never
//   waited for and never given twice.
// - Grants are made on behalf: a claim runs one grant pass for the whole
//   cluster (the first waiters in the fair order get the grantable slots,
//   whichever node they wait on), then collects this node's new permits.
//   Passes take turns on the `cluster_semaphore` row (FOR UPDATE SKIP
//   LOCKED: a node finding a pass running skips its own, and its waiters are
//   served by that pass or a later one), so the fair order holds across
//   nodes. A node learns of its grants by claiming: it claims when it asks,
//   after a release and on a short timer while it has waiters.
// - Every time is the database's: grants, expiries and available_at come
//   from clock_timestamp(); a caller passes durations only.
// - A crashed node's permits come back by expiry (a holder renews them
//   while its sessions run); its waiters are dropped once its heartbeat is
//   older than the node TTL (waiters need their node registered, see
//   cluster_nodes.hpp).
// - Slots are never deleted and their token only grows, so a stale holder's
//   renewal or release cannot touch a later grant. Lowering the capacity
//   leaves permits in use above it in use; they are not granted again.
//
// The cluster never has more permits held than the capacity (after a
// lowering: than the permits in use at that time). PostgreSQL only: every
// function fails on SQLite. Functions use the given database only; its
// contract (one thread at a time) applies.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

struct cluster_permit {
  int slot = 0;
  std::int64_t token = 0;  // names this grant of the slot in renewals and releases
  std::string node;
  std::string pod;
  std::string account_id;
  std::int64_t request_id = 0;  // the request it was granted to
  std::int64_t granted_at = 0;
  std::int64_t expires_at = 0;
};

// Sets the number of permits (>= 0), creating the missing slots.
status resize_cluster_permits(database& db, int capacity);

// Puts a request of `account_id` (pod `pod`) at the back of its pod's queue
// for node `node` and returns its id; a pod that was not waiting joins the
// round robin at the back. Fails on an empty node or pod.
result<std::int64_t> request_cluster_permit(database& db, const std::string& node,
                                            const std::string& pod, const std::string& account_id);

// Withdraws a waiting request of `node`; false when it is not waiting (it
// may have been granted: the permit then comes with the next claim).
result<bool> cancel_cluster_permit_request(database& db, const std::string& node,
                                           std::int64_t request_id);

struct permit_claim_timing {
  std::int64_t permit_ttl_ms = 0;  // a grant is held this long unless renewed
  std::int64_t node_ttl_ms = 0;    // waiters of nodes without a heartbeat this recent are dropped
};

// Runs a grant pass (unless another node's is running), then returns the
// permits granted to `node`'s requests that it had not collected yet (an
// uncollected grant that expired is lost). Fails on an empty node or a TTL
// < 1.
result<std::vector<cluster_permit>> claim_cluster_permits(database& db, const std::string& node,
                                                          const permit_claim_timing& timing);

// Extends every permit `node` holds unexpired to the database's now +
// permit_ttl_ms, and returns them by slot: a permit missing from the answer
// was lost (expired) and may be someone else's.
result<std::vector<cluster_permit>> renew_cluster_permits(database& db, const std::string& node,
                                                          std::int64_t permit_ttl_ms);

// Returns a permit: grantable again from the database's now +
// handoff_delay_ms (>= 0) on. False, changing nothing, unless `node` holds
// that grant (slot and token) of it, possibly expired but not granted again.
result<bool> release_cluster_permit(database& db, const std::string& node, int slot,
                                    std::int64_t token, std::int64_t handoff_delay_ms);

struct cluster_permit_state {
  int capacity = 0;
  std::vector<cluster_permit> held;  // unexpired, by slot
  int waiting = 0;                   // requests waiting, live nodes or not
};

// The semaphore as it stands, for the views.
result<cluster_permit_state> load_cluster_permits(database& db);

}  // namespace troupe::store
