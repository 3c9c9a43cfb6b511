// Moods are dayparts of the pod's local wall clock. The lookup rule itself
// (windows [start, end), wrapping midnight when end < start, a sleep mood
// winning any overlap, otherwise the first in config order) lives beside the
// mood type in config/config.hpp, because the validator needs it too; it is
// re-exported here so the policy reads as one module. This file adds what
// the pod's tick scheduling needs: when a sleeping pod wakes up.
//
// Pure functions over a config snapshot; safe from any thread.
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.hpp"
#include "runtime/policy/local_time.hpp"

namespace troupe::policy {

using config::mood_at;
using config::mood_covers;

// Returns the first instant at or after `now_ms` at which the mood in force
// in `zone` is not a sleep mood: `now_ms` itself when the pod is awake. A pod
// whose accounts are all asleep may skip its ticks until then. Returns
// `never_ms` when every minute of the day is sleep.
std::int64_t sleep_ends_at_ms(const std::vector<config::mood_config>& moods,
                              const date::time_zone* zone, std::int64_t now_ms);

}  // namespace troupe::policy
