// The simulated driver's fate for one invocation (its exit code and which
// misbehaviours it shows), drawn from the knobs in a fixed order so that a
// seed always gives the same fate, and the misbehaviours themselves.
// Not thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "options.hpp"
#include "randomness.hpp"

namespace troupe::sim_driver {

struct fate {
  int exit_code = 0;
  bool hang = false;
  bool flood = false;
  bool malformed = false;
  bool grandchild = false;
};

// Draws every probability once, whatever the knobs, so one knob's value
// never shifts the draws of another.
// `session_activity` is the activity of a session, empty for a verb.
fate draw_fate(const simulation_knobs& knobs, const std::string& session_activity, randomness& random);

// Forks a grandchild that keeps stdout and stderr open for `seconds`, then
// exits; returns its pid, or -1 if fork failed.
pid_t start_grandchild(double seconds);
// Writes at least `bytes` of progress lines to stdout as fast as it can.
void flood_stdout(std::int64_t bytes);
// Writes the four lines that are not the contract's: not JSON, cut JSON,
// an array, an object that is neither progress nor result.
void write_malformed_lines();
// Sleeps until a signal ends the process.
[[noreturn]] void hang_forever();

} // namespace troupe::sim_driver
