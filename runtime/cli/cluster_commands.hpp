// The command line's side of cluster mode: what `troupe run --cluster`
// needs to join, and `troupe nodes`.
#pragma once

#include <optional>

#include "config/config.hpp"
#include "runtime/cli/options.hpp"
#include "runtime/cluster/node_settings.hpp"
#include "runtime/result.hpp"

namespace troupe::cli {

// How this node joins the cluster, or nullopt without --cluster. Fails on
// SQLite (one node only) and on lease timings that leave no room to renew
// before the drivers must be stopping.
result<std::optional<cluster::node_settings>> cluster_settings_for_run(
    const command_line& line, const config::troupe_config& config);

// `troupe nodes`: the cluster's nodes, whether each is live, its heartbeat
// and the pods it holds.
int nodes_command(const command_line& line);

}  // namespace troupe::cli
