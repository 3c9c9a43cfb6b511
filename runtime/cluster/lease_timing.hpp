// When a node may trust its leases (pod leases, cluster permits), from its
// own monotonic clock only. The database sets a lease's expiry from its own
// clock when it receives the renewal, which is after the node sent it; so a
// lease renewed with a renewal sent at local time t_sent is valid at least
// until t_sent + ttl on the node's clock (give or take the clocks' rate
// difference, which `margin` covers). The node never compares its wall
// clock with the database's (application clocks drift and jump), and it
// counts from the send, not the answer: a slow answer shortens the
// validity, it never extends it. Past t_sent + ttl - margin the node must
// have stopped its sessions' drivers and its pods. Pure functions; the time
// points are std::chrono::steady_clock's, so a wall-clock jump cannot reach
// them. Thread-safe.
#pragma once

#include <chrono>

#include "runtime/result.hpp"

namespace troupe::cluster {

using monotonic_time = std::chrono::steady_clock::time_point;

struct lease_timing {
  std::chrono::milliseconds ttl{0};             // what each renewal asks the database for
  std::chrono::milliseconds margin{0};          // stop this long before the lease may expire
  std::chrono::milliseconds renew_interval{0};  // renew this long after the last renewal's send
};

// Fails unless 0 < margin < ttl and 0 < renew_interval < ttl - margin (a node
// must get to renew before it has to stop).
status check_lease_timing(const lease_timing& timing);

// The last instant (local, monotonic) the node may act on a lease whose last
// successful renewal (or take) was sent at `renewal_sent_at`.
monotonic_time trusted_until(monotonic_time renewal_sent_at, const lease_timing& timing);

enum class lease_step {
  keep_going,  // the lease is trusted and not due for renewal
  renew,       // send a renewal (if none is in flight): it is due
  stop,        // no longer trusted: stop the drivers and the pods now
};

// What a node does at `now` with a lease whose last successful renewal was
// sent at `renewal_sent_at`. A renewal still in flight does not count: only
// its answer makes its send time the new `renewal_sent_at`.
lease_step next_lease_step(monotonic_time now, monotonic_time renewal_sent_at,
                           const lease_timing& timing);

}  // namespace troupe::cluster
