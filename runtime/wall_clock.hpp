// The wall time actors see: a start instant plus the time the actor clock
// has advanced since the start. Under CAF's real scheduler it follows the
// system clock; under the testing scheduler (simulation, tests) it is
// virtual and moves only when the test advances it. Actors read time only
// through this, never through system_clock directly. A plain value; copy it
// freely.
#pragma once

#include <chrono>
#include <cstdint>

namespace troupe {

class wall_clock {
 public:
  using actor_time = std::chrono::steady_clock::time_point;  // caf::actor_clock::time_point

  wall_clock() = default;
  wall_clock(std::int64_t start_wall_ms, actor_time start) : start_wall_ms_(start_wall_ms), start_(start) {}

  // Epoch milliseconds at actor-clock instant `now`.
  std::int64_t wall_ms(actor_time now) const {
    return start_wall_ms_ +
           std::chrono::duration_cast<std::chrono::milliseconds>(now - start_).count();
  }

  // The actor-clock instant of epoch milliseconds `wall_ms`.
  actor_time actor_instant(std::int64_t wall_ms) const {
    return start_ + std::chrono::milliseconds(wall_ms - start_wall_ms_);
  }

 private:
  std::int64_t start_wall_ms_ = 0;
  actor_time start_{};
};

}  // namespace troupe
