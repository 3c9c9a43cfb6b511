// The session ledger (knobs session-ledger DIR and session-slots N): what a
// test checks afterwards, from the drivers' side, about the sessions that
// ran, whichever node or daemon started them. Each session holds, until its
// process ends (however it ends: the kernel drops the locks even on
// SIGKILL), an exclusive flock on DIR/account-PROFILE.lock and on one of
// DIR/slot-0.lock .. DIR/slot-(N-1).lock. A session that finds its
// account's lock taken appends "overlap PROFILE SESSION" to DIR/violations;
// one that finds every slot taken appends "over-concurrency PROFILE
// SESSION" there. Every session appends "start PROFILE SESSION" to
// DIR/sessions.
#pragma once

#include "options.hpp"

namespace troupe::sim_driver {

// Enters the session in the ledger, if the knobs name one. The locks stay
// held (their descriptors open) until the process exits.
void enter_session_ledger(const driver_arguments& arguments);

}  // namespace troupe::sim_driver
