// Moods are dayparts of the pod's local wall clock: each window is
// [start, end) in minutes after local midnight, and a window whose end is
// before its start wraps midnight (LateNightLurk 22:30-01:00). A window whose
// start equals its end is empty. When windows overlap, a sleep mood wins
// (the reference config overlaps Sleep 01:00-07:30 and MorningRush
// 07:00-11:00: at 07:15 it is Sleep); otherwise the first match in config
// order wins.
//
// Pure functions over a config snapshot; safe from any thread.
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.hpp"
#include "runtime/policy/local_time.hpp"

namespace troupe::policy {

// Returns true iff `minute_of_day` lies in the mood's window.
bool mood_covers(const config::mood_config& mood, int minute_of_day);

// Returns the mood in force at `minute_of_day`, or nullptr when no window
// covers it (the planner then uses multipliers of 1 and no sleep).
const config::mood_config* mood_at(const std::vector<config::mood_config>& moods,
                                   int minute_of_day);

// Returns the first instant at or after `now_ms` at which the mood in force
// is not a sleep mood: `now_ms` itself when the pod is awake. A pod whose
// accounts are all asleep may skip its ticks until then. Returns -1 when
// every minute of the day is sleep (the pod never wakes with this config).
std::int64_t sleep_ends_at_ms(const std::vector<config::mood_config>& moods,
                              const date::time_zone* zone, std::int64_t now_ms);

}  // namespace troupe::policy
