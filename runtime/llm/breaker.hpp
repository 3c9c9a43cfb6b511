// The LLM client's circuit breaker as a pure state machine: `failures`
// consecutive failed calls open it for `cooldown`; after the cool-down one
// probe call is let through (half-open): its success closes the breaker, its
// failure opens it again for another cool-down. A quota exhausted at the
// provider opens it at once (`trip`). Values and pure functions of (state,
// settings, now): thread-safe; the client keeps the state under its lock.
//
//   closed --failures in a row--> open --cooldown--> half_open (one probe)
//     ^                            ^                    |
//     +-------- probe succeeded ---|--------------------+
//                                  +--- probe failed ---+
#pragma once

#include <chrono>

namespace troupe::llm {

using clock_time = std::chrono::steady_clock::time_point;

struct breaker_settings {
  int failures = 5;                            // consecutive failed calls that open it, >= 1
  std::chrono::milliseconds cooldown{60'000};  // how long it stays open
};

enum class breaker_phase { closed, open, half_open };

// "closed" / "open" / "half_open".
const char* name_of(breaker_phase phase);

struct breaker_state {
  breaker_phase phase = breaker_phase::closed;
  int consecutive_failures = 0;  // failed calls since the last success
  clock_time open_until{};       // while open: when a probe may go
  bool probe_in_flight = false;  // half_open: the one probe was let through
};

// Whether a call may go now, and the state once it has been let through.
struct breaker_admission {
  bool allowed = false;
  breaker_state next;  // the state to keep iff the call goes ahead
};

// Closed: allowed. Open before open_until: refused. Open at or after
// open_until: allowed as the probe (next is half_open with the probe in
// flight). Half-open: refused while the probe is in flight.
breaker_admission admit(const breaker_state& state, clock_time now);

// After a call that succeeded: closed, no failures counted.
breaker_state record_success(const breaker_state& state);

// After a call that failed: a failed probe, or the `failures`-th failure in
// a row, opens it until now + cooldown; otherwise the failure is counted.
breaker_state record_failure(const breaker_state& state, const breaker_settings& settings,
                             clock_time now);

// Opens it now until now + cooldown, whatever the state (quota exhausted).
breaker_state trip(const breaker_state& state, const breaker_settings& settings, clock_time now);

// Returns true iff a call arriving at `now` would be refused.
bool refuses(const breaker_state& state, clock_time now);

}  // namespace troupe::llm
