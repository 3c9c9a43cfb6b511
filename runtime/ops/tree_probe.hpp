// The monitor's view of the actor tree, read from what the supervisor and
// the tree answered to its probe.
#pragma once

#include <chrono>
#include <optional>

#include "messages/inspect.hpp"
#include "runtime/ops/monitor_job.hpp"

namespace troupe {
class daemon_tree;
}

namespace troupe::ops {

// `supervisor` unset: it did not answer; `tree` unset: the tree did not.
tree_view view_of_tree(const std::optional<msg::actor_snapshot>& supervisor,
                       const std::optional<msg::tree_snapshot>& tree);

// Asks `tree`'s supervisor within `bound`, then the whole tree (pods and
// accounts answer the supervisor within 10 s each, so the tree gets that
// longer): what the monitor and the status report see of the actors.
tree_view probe_tree(daemon_tree& tree, std::chrono::milliseconds bound);

}  // namespace troupe::ops
