// What the simulated driver does once its arguments are parsed: it shows
// the drawn misbehaviours, spends the (scaled) time of the work while
// writing progress lines, fails midway when its fate says so, and otherwise
// writes the result of the session or verb. Not thread-safe.
#pragma once

#include "options.hpp"

namespace troupe::sim_driver {

// Runs the invocation; returns the process exit code.
int perform(const driver_arguments& arguments);

} // namespace troupe::sim_driver
