// The global semaphore of the supervisor as a plain value: `capacity`
// permits, a queue of waiters that is fair across pods (round robin over the
// pods that wait, FIFO within a pod), and the handoff delay: a released
// permit becomes grantable again only at the instant the caller chose
// (session end + a drawn handoff delay). Times are epoch milliseconds passed
// in by the caller; the pool reads no clock and draws no random numbers.
// Not thread-safe: one owner (the supervisor actor).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace troupe {

struct permit_waiter {
  std::uint64_t request_id = 0;
  std::string pod;
  std::string account_id;
  std::int64_t requested_at_ms = 0;
};

struct permit_grant {
  std::uint64_t permit_id = 0;
  permit_waiter waiter;
  std::int64_t granted_at_ms = 0;
};

class permit_pool {
 public:
  explicit permit_pool(int capacity);

  // Changes the number of permits. Permits in use above a lowered capacity
  // stay in use and are retired when released.
  void resize(int capacity);

  // Adds a waiter at the back of its pod's queue.
  void enqueue(permit_waiter waiter);

  // Removes a waiter that no longer wants a permit; false if not waiting.
  bool cancel(std::uint64_t request_id);

  // Returns a permit; it can be granted again from `grantable_at_ms` on.
  // False if `permit_id` is not in use.
  bool release(std::uint64_t permit_id, std::int64_t grantable_at_ms);

  // Grants as many waiters as permits are grantable at `now_ms`, fairly.
  std::vector<permit_grant> grant_ready(std::int64_t now_ms);
  // The same, handing each grant to `on_grant(permit_grant&)` as it is made
  // (no vector: the supervisor grants on every request and release).
  template <typename OnGrant>
  void grant_ready(std::int64_t now_ms, OnGrant&& on_grant) {
    while (auto grant = grant_next(now_ms)) on_grant(*grant);
  }

  // The earliest instant after which grant_ready could grant more, if a
  // waiter waits for a permit that is still in its handoff delay.
  std::optional<std::int64_t> next_grant_at() const;

  int capacity() const { return capacity_; }
  int in_use() const { return static_cast<int>(in_use_.size()); }
  int waiting() const;
  // When each permit still in its handoff delay at `now_ms` becomes grantable.
  std::vector<std::int64_t> cooling_until(std::int64_t now_ms) const;
  // The waiters in the order they would be granted.
  std::vector<permit_waiter> queue_snapshot() const;

 private:
  std::optional<permit_waiter> pop_next_waiter();
  std::optional<permit_grant> grant_next(std::int64_t now_ms);
  std::size_t pod_index(const std::string& pod);

  // A request and a grant allocate nothing once the pod and enough permits
  // have been seen: a pod's queue stays when it empties, pods take turns by
  // index, and the permits in use are a vector sorted by id (ids only grow);
  // the idle permits are a heap with the soonest grantable on top.
  int capacity_;
  std::vector<std::int64_t> idle_slots_;  // grantable-at instant of each idle permit (a heap)
  std::vector<std::pair<std::uint64_t, std::int64_t>> in_use_;  // (permit id, granted at), by id
  std::unordered_map<std::string, std::size_t> pod_indexes_;    // pod -> its index in queues_
  std::string last_pod_;            // the pod last asked for, and its index: a pod's
  std::size_t last_pod_index_ = 0;  // accounts often ask in a row (no hash then)
  std::vector<std::deque<permit_waiter>> queues_;               // each pod's waiters, by pod index
  std::deque<std::size_t> pod_turns_;  // pods with waiters, in round-robin order
  std::uint64_t next_permit_id_ = 1;
};

} // namespace troupe
