// When a node trusts, renews and gives up its leases, on its monotonic clock.
#include "runtime/cluster/lease_timing.hpp"

#include <catch2/catch.hpp>
#include <type_traits>

using namespace std::chrono_literals;
using troupe::cluster::check_lease_timing;
using troupe::cluster::lease_step;
using troupe::cluster::lease_timing;
using troupe::cluster::monotonic_time;
using troupe::cluster::next_lease_step;
using troupe::cluster::trusted_until;

namespace {

// TTL 10 s, stop 2 s before, renew every 3 s.
const lease_timing timing{10'000ms, 2'000ms, 3'000ms};
const monotonic_time t0 = monotonic_time{} + 1h;

}  // namespace

TEST_CASE("a fresh lease is kept then renewed after the interval and dropped at ttl minus margin") {
  CHECK(next_lease_step(t0, t0, timing) == lease_step::keep_going);
  CHECK(next_lease_step(t0 + 2'999ms, t0, timing) == lease_step::keep_going);
  CHECK(next_lease_step(t0 + 3'000ms, t0, timing) == lease_step::renew);
  CHECK(next_lease_step(t0 + 7'999ms, t0, timing) == lease_step::renew);
  CHECK(next_lease_step(t0 + 8'000ms, t0, timing) == lease_step::stop);
  CHECK(next_lease_step(t0 + 1h, t0, timing) == lease_step::stop);
}

TEST_CASE("the lease is trusted from the renewal's send time not from its answer") {
  // Sent at t0, answered 5 s later: trusted until t0 + 8 s, not t0 + 13 s.
  CHECK(trusted_until(t0, timing) == t0 + 8'000ms);
  CHECK(next_lease_step(t0 + 5'000ms + 3'000ms, t0, timing) == lease_step::stop);
}

TEST_CASE("a renewal slower than the time left stops the node even if it succeeds later") {
  // Renewed at t0; the next renewal is sent at t0 + 3 s and is still in flight
  // at t0 + 8 s: the last successful send is still t0, so the node stops.
  CHECK(next_lease_step(t0 + 8'000ms, t0, timing) == lease_step::stop);
  // Its answer arrives at t0 + 12 s: counted from its send (t0 + 3 s) the lease
  // was trusted only until t0 + 11 s, so the node stays stopped.
  CHECK(next_lease_step(t0 + 12'000ms, t0 + 3'000ms, timing) == lease_step::stop);
  // Had it arrived at t0 + 5 s, the lease would be trusted until t0 + 11 s.
  CHECK(next_lease_step(t0 + 5'000ms, t0 + 3'000ms, timing) == lease_step::keep_going);
  CHECK(next_lease_step(t0 + 10'999ms, t0 + 3'000ms, timing) == lease_step::renew);
  CHECK(next_lease_step(t0 + 11'000ms, t0 + 3'000ms, timing) == lease_step::stop);
}

TEST_CASE("lease timing takes only monotonic time so a wall clock jump cannot extend a lease") {
  using wall_time = std::chrono::system_clock::time_point;
  static_assert(
      !std::is_invocable_v<decltype(next_lease_step), wall_time, wall_time, const lease_timing&>);
  static_assert(std::is_same_v<monotonic_time::clock, std::chrono::steady_clock>);
  CHECK(std::chrono::steady_clock::is_steady);
}

TEST_CASE("lease timing is refused unless the node gets to renew before it has to stop") {
  CHECK(check_lease_timing(timing).ok());
  CHECK_FALSE(check_lease_timing({10'000ms, 0ms, 3'000ms}).ok());
  CHECK_FALSE(check_lease_timing({10'000ms, 10'000ms, 3'000ms}).ok());
  CHECK_FALSE(check_lease_timing({10'000ms, 2'000ms, 0ms}).ok());
  const auto too_slow = check_lease_timing({10'000ms, 2'000ms, 8'000ms});
  REQUIRE_FALSE(too_slow.ok());
  CHECK(
      too_slow.failure().message ==
      "the renew interval (8000 ms) must be above 0 and below the TTL minus the margin (8000 ms)");
}
