// RUN_SESSION inside `troupe run`: the account's own actor runs the session,
// through the supervisor's semaphore, like any session it plans itself
// (never two at once for one account). The attempt's thread waits for the
// end; when the loop stops meanwhile, the attempt ends as retryable and the
// session itself runs on in the tree. A request the account cannot serve now
// is answered at once (msg::session_finished with a `refusal`): Sleep,
// paused, parked or busy hold the action with that reason, to be asked
// again later; an unknown activity or an account not run here fail it
// permanently. In PROOF mode it only writes what it would ask for.
//
// Cluster mode: an account whose pod this node does not hold runs on the
// node that holds it (runtime/store/cluster_session_requests.hpp); the
// attempt waits for that node to record the end, and is held (no_node,
// pod_moved) when no node holds the pod or it moved before its node began.
// An account retiring here because this node lost its pod's lease is held
// (pod_moved) too: asked again, it runs where the pod went.
#pragma once

#include <string>

#include "runtime/aol/adapters.hpp"
#include "runtime/daemon.hpp"

namespace troupe::aol {

// What a RUN_SESSION does next with its own node's answer.
enum class local_answer_next {
  finish,     // the answer is the outcome (a refusal holds or fails the action)
  route,      // cluster: the pod is on another node; the session runs there
  ask_again,  // cluster: the pod is leaving this node; held (pod_moved)
};
local_answer_next after_local_answer(const std::string& refusal, bool clustered);

// `tree` must outlive the runner.
session_runner tree_session_runner(daemon_tree& tree);

}  // namespace troupe::aol
