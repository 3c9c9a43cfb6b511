// The pod's tick scheduling. A pod considers its accounts on a grid of
// tickMs (every 2 min by default), but it need not wake at grid points at
// which none of its accounts can become eligible: it schedules its next
// tick at the first grid point at or after the earliest instant one of them
// can, which plans exactly the same sessions with ~5x fewer messages.
//
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>

#include "config/config.hpp"
#include "runtime/account_state.hpp"
#include "runtime/policy/local_time.hpp"

namespace troupe::policy {

// Returns the earliest instant at which plan_session could let `state` go,
// as far as the account itself knows: `never_ms` while it is parked or a
// session runs (their end wakes the pod), the next local midnight while its
// energy is below the floor (energy returns with the day), else
// next_eligible_at. Moods and pausing are the pod's, not the account's.
std::int64_t account_eligible_from_ms(const account_state& state,
                                      const config::troupe_config& config,
                                      const local_clock_reading& clock);

// Returns the pod's next tick: the first multiple of `tick_ms` (counted from
// the epoch) at or after max(earliest_eligible_ms, sleep_end_ms), and never
// earlier than the first multiple strictly after `now_ms`. `never_ms` in,
// `never_ms` out. A tick_ms below 1 is taken as 1.
std::int64_t next_pod_tick_ms(std::int64_t now_ms, std::int64_t tick_ms,
                              std::int64_t earliest_eligible_ms, std::int64_t sleep_end_ms);

}  // namespace troupe::policy
