// Runs one driver invocation to its end and says how it ended. Blocking:
// call it from a thread that may block (a detached actor), never from a
// scheduler thread. It spawns the driver as its own process group, relays
// progress lines, keeps the last result, writes stdout and stderr to the
// session log, enforces the timeout (SIGTERM to the group, SIGKILL after
// the grace, exit 124) and the cancel token, bounds memory and log size,
// and returns only after SIGKILL went to whatever is left of the driver's
// group and the leader is reaped. Thread-safe: independent runs may go on
// in parallel threads; `on_progress` is called on the calling thread, and
// if it throws, the group is killed and reaped before the exception
// propagates.
#pragma once

#include "runtime/driver/cancel_token.hpp"
#include "runtime/driver/invocation.hpp"
#include "runtime/driver/outcome.hpp"
#include "runtime/driver/stdout_protocol.hpp"

namespace troupe::driver {

driver_outcome run_driver(const driver_invocation& invocation, const progress_callback& on_progress,
                          const cancel_token& cancel);

} // namespace troupe::driver
