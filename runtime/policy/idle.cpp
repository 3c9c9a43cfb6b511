#include "runtime/policy/idle.hpp"

#include <cmath>

namespace troupe::policy {

std::int64_t idle_spacing_ms(const config::idle_config& idle, const config::mood_config* mood,
                             rng& random) {
  const double multiplier = mood != nullptr ? mood->idle : 1.0;
  const auto base = random.uniform_int(idle.base_min_ms, idle.base_max_ms);
  return std::llround(static_cast<double>(base) * multiplier);
}

std::int64_t next_eligible_after(std::int64_t end_ms, const config::idle_config& idle,
                                 const config::mood_config* mood, rng& random) {
  return end_ms + idle_spacing_ms(idle, mood, random);
}

}  // namespace troupe::policy
