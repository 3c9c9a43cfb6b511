// Gathers the status report's facts (status_report.hpp) from the running
// daemon: the process, the store (timed), the actor tree, the metrics, the
// monitor's board, the reply pipeline's diagnostics and the fatal issues of
// earlier runs. Blocks (SQL, a probe
// of the tree): call it on the query worker's or a writer's thread.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <memory>

#include "config/config.hpp"
#include "runtime/config_reloader.hpp"
#include "runtime/metrics.hpp"
#include "runtime/ops/monitor_job.hpp"
#include "runtime/store/database.hpp"

namespace troupe::ops {

struct report_sources {
  std::function<tree_view(std::chrono::milliseconds)> probe_tree;
  const config_reloader* reloader = nullptr;
  std::shared_ptr<const node_metrics> metrics;
  std::shared_ptr<const monitor_board> monitor;
  std::string aol_owner;
  std::int64_t started_at_ms = 0;
  std::function<std::int64_t()> now_ms;
};

// The report now; `db` is null when the database could not be opened (`problem` says why).
boost::json::object gather_report(const report_sources& sources, store::database* db, const std::string& problem);

}  // namespace troupe::ops
