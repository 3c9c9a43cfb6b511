#include "runtime/policy/burst.hpp"

#include <algorithm>

namespace troupe::policy {

double burst_probability(const account_state& state, const config::bursts_config& bursts,
                         const config::mood_config* mood) {
  if (!bursts.enabled) return 0.0;
  const double mood_factor = mood != nullptr ? mood->burst : 1.0;
  return std::clamp(bursts.probability * mood_factor * state.energy, 0.0, 1.0);
}

burst_draw decide_burst(const account_state& state, const config::troupe_config& config,
                        const config::mood_config* mood, rng& random) {
  const double probability = burst_probability(state, config.bursts, mood);
  if (!(probability > 0)) return burst_draw::impossible;
  return random.uniform01() < probability ? burst_draw::bursts : burst_draw::denied;
}

std::int64_t burst_next_eligible(std::int64_t end_ms, const config::bursts_config& bursts) {
  return end_ms + bursts.gap_ms;
}

}  // namespace troupe::policy
