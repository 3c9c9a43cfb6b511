// Bursts: right after a session ends, the same account may run a second
// session about bursts.gapMs later (it still takes a permit like any other).
// The chance is bursts.probability x mood.burst x the account's energy, so a
// tired account bursts less. When a burst was possible and the draw said
// no, the caller records the skip reason burstDenied.
//
// Pure functions; the generator is the caller's.
#pragma once

#include <cstdint>

#include "config/config.hpp"
#include "runtime/account_state.hpp"
#include "runtime/policy/rng.hpp"

namespace troupe::policy {

// Returns the burst probability in [0, 1] for `state` as given (call it after
// apply_session_end, so the ended session's energy drop counts); 0 when
// bursts are disabled. Without a mood the mood factor is 1.
double burst_probability(const account_state& state, const config::bursts_config& bursts,
                         const config::mood_config* mood);

enum class burst_draw {
  impossible,  // the probability is 0: nothing drawn
  denied,      // a burst was possible and the draw said no (burstDenied)
  bursts,      // the draw fell below the probability
};

// Draws whether the account bursts (one draw, only when the probability is
// positive).
burst_draw decide_burst(const account_state& state, const config::troupe_config& config,
                        const config::mood_config* mood, rng& random);

// Returns when a bursting account may start its second session: gapMs after
// the first ended (the handoff wait before the permit adds the "about").
std::int64_t burst_next_eligible(std::int64_t end_ms, const config::bursts_config& bursts);

}  // namespace troupe::policy
