// The monitor's view of the actor tree, read from what the supervisor and
// the tree answered to its probe.
#pragma once

#include <optional>

#include "messages/inspect.hpp"
#include "runtime/ops/monitor_job.hpp"

namespace troupe::ops {

// `supervisor` unset: it did not answer; `tree` unset: the tree did not.
tree_view view_of_tree(const std::optional<msg::actor_snapshot>& supervisor,
                       const std::optional<msg::tree_snapshot>& tree);

}  // namespace troupe::ops
