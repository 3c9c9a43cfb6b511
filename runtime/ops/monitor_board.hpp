// What this node's monitor knows now: its open issues, those resolved
// lately, what it remembers between runs, the changes not stored yet (the
// database was down) and the counts behind the resolution metrics. job:monitor
// updates it after each run; GET /api/monitor-issues and the metrics read it,
// so the issues show also while the database is down. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "config/config.hpp"
#include "runtime/ops/monitor.hpp"

namespace troupe::ops {

struct monitor_totals {
  std::uint64_t raised = 0;             // since this process started
  std::uint64_t resolved = 0;
  std::int64_t time_to_resolve_ms = 0;  // summed over the resolved ones
};

// The board as one consistent copy.
struct monitor_state {
  bool loaded = false;  // the open issues of earlier runs were read from the database
  std::vector<monitor_issue> open;
  std::vector<monitor_issue> recently_resolved;  // newest first
  monitor_memory memory;
  std::vector<monitor_issue> unsaved_raised;    // raised while the database was down
  std::vector<monitor_issue> unsaved_resolved;  // resolved while the database was down
  monitor_totals totals;
  std::optional<std::int64_t> last_run_at_ms;
};

class monitor_board {
 public:
  monitor_state read() const;
  void write(monitor_state state);

 private:
  mutable std::mutex mutex_;
  monitor_state state_;
};

// One monitor run over `snapshot`: judges it, reconciles the findings with
// the open issues, moves the memory and the totals on and queues the
// changes for storing (unsaved_*). `changes` is what this run raised and resolved.
struct monitor_step {
  monitor_state state;
  reconciliation changes;
};
monitor_step step(monitor_state state, const node_snapshot& snapshot, const config::troupe_config& config);

// The state once the issues stored before this process started were read:
// a condition open both here and there keeps the stored issue (its id and
// first sighting) and is no longer queued as raised; the stored open issues
// count as raised for the totals.
monitor_state merge_stored(monitor_state state, std::vector<monitor_issue> stored_open,
                           std::vector<monitor_issue> stored_resolved);

// The share of raised issues resolved, and their mean time to resolve (ms);
// nullopt when none was raised (or resolved).
std::optional<double> resolution_rate(const monitor_totals& totals);
std::optional<double> mean_time_to_resolve_ms(const monitor_totals& totals);

}  // namespace troupe::ops
