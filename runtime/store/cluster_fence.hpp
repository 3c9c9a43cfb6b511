// Fencing of a pod's writes in cluster mode: the writes of a pod's rows
// (sessions, events, accounts, summaries) name the pod lease they act
// under, and the database applies them only if `pod_leases` has that pod
// held by that node with that epoch, unexpired by the database's clock. A
// node that lost its pods (partitioned, paused past its lease) therefore
// cannot write after the new holder took over, whatever it believes.
//
// The writes run in one transaction that first locks the lease row FOR
// SHARE: a take (which updates the row) waits until they commit, and
// writes that start after a take see its new epoch and are refused.
// PostgreSQL only. Not thread-safe: the database's contract applies.
#pragma once

#include <cstdint>
#include <exception>
#include <string>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/transaction_scope.hpp"

namespace troupe::store {

// The lease a write acts under (from take_pod_lease).
struct pod_fence {
  std::string pod;
  std::string node;
  std::int64_t epoch = 0;
};

// How fenced writes ended, when they reached the database.
enum class fenced_write {
  written,
  // Nothing written: the lease is not (or no longer) held by that node with that epoch.
  stale_lease,
};

// Inside a transaction: whether `fence`'s lease is held now, locking its
// row until the transaction ends. Fails on SQLite.
result<bool> lock_pod_fence(database& db, const pod_fence& fence);

// Runs `writes` (a callable returning status) in one transaction under
// `fence`: all of them when the lease is held, none otherwise. A failure
// of `writes` rolls every one back.
template <class Writes>
result<fenced_write> write_fenced(database& db, const pod_fence& fence, Writes&& writes) {
  try {
    transaction_scope transaction(db);
    auto held = lock_pod_fence(db, fence);
    if (!held) return held.failure();
    if (!*held) return fenced_write::stale_lease;
    if (auto written = writes(); !written) return written.failure();
    transaction.commit();
    return fenced_write::written;
  } catch (const std::exception& e) {  // begin or commit: the connection broke
    return error{"cannot write the rows of pod " + fence.pod + ": " + e.what()};
  }
}

}  // namespace troupe::store
