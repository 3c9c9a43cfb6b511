// The monotonic clock in milliseconds: for durations (retries, streaks,
// timeouts) that a wall clock's jumps must not bend.
#pragma once

#include <cstdint>

namespace troupe {

std::int64_t steady_now_ms();

}  // namespace troupe
