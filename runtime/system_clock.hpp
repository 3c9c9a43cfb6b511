// The daemon's wall-clock "now": milliseconds since the Unix epoch on the
// system clock, for code that is not handed a (virtual) clock. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

namespace troupe {

inline std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace troupe
