// Runs one driver invocation to its end and says how it ended. Blocking:
// call it from a thread that may block (a detached actor, a job's thread),
// never from a scheduler thread; actors use driver_reactor directly. The
// driver runs under the shared driver_reactor (its own process group,
// progress relayed, last result kept, stdout and stderr in the session log,
// the timeout enforced with SIGTERM to the group, SIGKILL after the grace
// and exit 124, the cancel token honoured, memory and log size bounded),
// and this returns only after SIGKILL went to whatever is left of the
// driver's group and the leader is reaped. Thread-safe: independent runs
// may go on in parallel threads; `on_progress` is called on the calling
// thread, and if it throws, the driver is stopped as by a cancel and
// reaped before the exception propagates.
#pragma once

#include "runtime/driver/cancel_token.hpp"
#include "runtime/driver/invocation.hpp"
#include "runtime/driver/outcome.hpp"
#include "runtime/driver/stdout_protocol.hpp"

namespace troupe::driver {

driver_outcome run_driver(const driver_invocation& invocation, const progress_callback& on_progress,
                          const cancel_token& cancel);

}  // namespace troupe::driver
