// A transaction that joins the one already open on its database, if any.
// Store functions whose writes must be atomic (append_events,
// add_to_summary) use it, so that a caller can run them inside a
// transaction of its own: the fenced flush of a pod's writes (see
// cluster_fence.hpp) writes them all under one lock of the pod's lease.
// Only the outermost scope begins, commits, and rolls back when it ends
// uncommitted (an exception, an early return). Not thread-safe: the
// database's contract applies.
#pragma once

#include "runtime/store/database.hpp"

namespace troupe::store {

class transaction_scope {
 public:
  explicit transaction_scope(database& db);
  transaction_scope(const transaction_scope&) = delete;
  transaction_scope& operator=(const transaction_scope&) = delete;
  ~transaction_scope();

  // Commits when outermost; an inner scope's commit leaves it to the outer one.
  void commit();

 private:
  database& db_;
  bool outermost_;
  bool done_ = false;
};

}  // namespace troupe::store
