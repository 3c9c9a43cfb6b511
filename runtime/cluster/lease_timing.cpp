#include "runtime/cluster/lease_timing.hpp"

#include <string>

namespace troupe::cluster {

status check_lease_timing(const lease_timing& timing) {
  const auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; };
  if (timing.margin.count() <= 0 || timing.margin >= timing.ttl) {
    return error{"the lease margin (" + ms(timing.margin) +
                 ") must be above 0 and below the TTL (" + ms(timing.ttl) + ")"};
  }
  if (timing.renew_interval.count() <= 0 || timing.renew_interval >= timing.ttl - timing.margin) {
    return error{"the renew interval (" + ms(timing.renew_interval) +
                 ") must be above 0 and below the TTL minus the margin (" +
                 ms(timing.ttl - timing.margin) + ")"};
  }
  return {};
}

monotonic_time trusted_until(monotonic_time renewal_sent_at, const lease_timing& timing) {
  return renewal_sent_at + timing.ttl - timing.margin;
}

lease_step next_lease_step(monotonic_time now, monotonic_time renewal_sent_at,
                           const lease_timing& timing) {
  if (now >= trusted_until(renewal_sent_at, timing)) return lease_step::stop;
  if (now >= renewal_sent_at + timing.renew_interval) return lease_step::renew;
  return lease_step::keep_going;
}

}  // namespace troupe::cluster
