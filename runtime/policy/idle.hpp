// Idle spacing: after a session ends, an account waits
// U(idle.baseMinMs, idle.baseMaxMs) x mood.idle before it is eligible again.
//
// Pure functions; the generator is the caller's (one per actor).
#pragma once

#include <cstdint>

#include "config/config.hpp"
#include "runtime/policy/rng.hpp"

namespace troupe::policy {

// Returns the idle spacing in milliseconds: a uniform integer in
// [base_min_ms, base_max_ms] times the mood's idle multiplier (1 without a mood).
std::int64_t idle_spacing_ms(const config::idle_config& idle, const config::mood_config* mood,
                             rng& random);

// Returns when an account whose session ended at `end_ms` may start again.
std::int64_t next_eligible_after(std::int64_t end_ms, const config::idle_config& idle,
                                 const config::mood_config* mood, rng& random);

}  // namespace troupe::policy
