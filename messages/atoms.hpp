// The atoms that tag Troupe's messages (CAF 0.17: at most 10 characters).
#pragma once

#include <caf/atom.hpp>

namespace troupe::msg {

using pod_tick_atom = caf::atom_constant<caf::atom("podtick")>;     // a pod's tick is due
using grant_wake_atom = caf::atom_constant<caf::atom("grantwake")>; // a permit leaves its handoff delay
using inspect_atom = caf::atom_constant<caf::atom("inspect")>;      // reply with an actor_snapshot
using tree_atom = caf::atom_constant<caf::atom("tree")>;            // reply with the whole tree
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;    // stop granting, drain, stop
using stop_sessions_atom = caf::atom_constant<caf::atom("stopsess")>;  // the drain is over: stop running drivers
using pause_atom = caf::atom_constant<caf::atom("pause")>;          // stop granting permits
using resume_atom = caf::atom_constant<caf::atom("resume")>;        // grant permits again
using recover_wake_atom = caf::atom_constant<caf::atom("recwake")>; // a recovery backoff elapsed
using restart_atom = caf::atom_constant<caf::atom("restart")>;      // respawn a crashed child
using flush_atom = caf::atom_constant<caf::atom("flush")>;          // the store writes its batch
using clear_recovery_atom = caf::atom_constant<caf::atom("clearrec")>; // an operator clears an account's recovery
using job_tick_atom = caf::atom_constant<caf::atom("jobtick")>;  // a job's timed run may be due
using jobs_atom = caf::atom_constant<caf::atom("jobs")>;        // reply with a jobs_view / job_status
using alive_atom = caf::atom_constant<caf::atom("alive")>;          // liveness probe: answered at once
using config_applied_atom = caf::atom_constant<caf::atom("cfgapplied")>;  // -> config_applied
using node_tick_atom = caf::atom_constant<caf::atom("nodetick")>;  // the node's heartbeat is due
using lease_check_atom =
    caf::atom_constant<caf::atom("leasechk")>;  // a pod lease's trust may have run out
using claim_tick_atom =
    caf::atom_constant<caf::atom("claimtick")>;           // claim cluster permits for waiters
using join_atom = caf::atom_constant<caf::atom("join")>;  // supervisor -> node: start the leases
using leave_atom =
    caf::atom_constant<caf::atom("leave")>;  // leave the cluster, releasing every lease
using crash_atom = caf::atom_constant<caf::atom("crash")>;          // tests: fail on purpose

}  // namespace troupe::msg
