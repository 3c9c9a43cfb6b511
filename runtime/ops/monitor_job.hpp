// job:monitor: gathers a snapshot of the node (the store, the actor tree, the
// host, the LLM), runs the monitor's conditions over it (monitor.hpp) and
// stores what changed (monitor_issues, system_events). The board keeps the
// issues for the API also while the database is down; the changes are
// stored once it answers again.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/jobs/job_body.hpp"
#include "runtime/ops/host_probe.hpp"
#include "runtime/ops/monitor.hpp"
#include "runtime/ops/monitor_board.hpp"

namespace troupe::ops {

// What the actor tree answered to the monitor's probe.
struct tree_view {
  bool supervisor_answered = false;
  std::vector<std::string> answered;  // ids of the actors that answered ("pod:a", "account:x")
  std::vector<account_view> accounts;
  // The supervisor's figures.
  std::int64_t permits_in_use = 0, permits_capacity = 0, permits_waiting = 0, pods = 0;
};

// Where the monitor looks, set up by the daemon.
struct monitor_sources {
  // Asks the supervisor, then the whole tree, each within the bound.
  std::function<tree_view(std::chrono::milliseconds)> probe_tree;
  // Why the LLM cannot be called now (ai_quota_circuit_open, budget_spent), or nullopt.
  std::function<std::optional<std::string>(const config::troupe_config&)> llm_unavailable;
  std::function<bool(const config::troupe_config&)> posting_allowed;
  std::function<std::int64_t()> now_ms;
  std::string aol_owner;          // the AOL loop's lease owner here; empty: none runs
  std::int64_t started_at_ms = 0;
  binary_identity binary;         // the executable at start
  std::vector<std::string> pods;  // --pod: the pods this node runs (empty: all)
  std::shared_ptr<monitor_board> board;
  // Called after each run with what it raised and resolved (notifications); may be unset.
  std::function<void(const reconciliation&, const config::troupe_config&)> on_changes;
};

// The actor ids the tree should answer for: the pods this node runs and their accounts.
std::vector<std::string> expected_actors(const config::troupe_config& config, const std::vector<std::string>& pods);

// The directories whose free space the monitor watches: the data directory,
// the log file's and the session logs'.
std::vector<std::string> watched_directories(const config::troupe_config& config);

jobs::job_body monitor_job(monitor_sources sources);

}  // namespace troupe::ops
