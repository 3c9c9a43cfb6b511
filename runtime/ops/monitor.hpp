// The monitor's conditions: pure checks over a snapshot of the node, and the
// bookkeeping that turns what they find into issues that are raised, stay
// open and get resolved. job:monitor gathers the snapshot (monitor_job.hpp),
// calls these and stores what changed; everything here is plain values and
// functions, tested without a daemon.
//
// Every condition has a stable id; a condition about one thing names it after
// a colon ("account_parked:acct-1", "low_disk:/var/lib/troupe"), so each
// account or directory is its own issue. At most one issue per id is open.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace troupe::ops {

enum class severity { info, warning, critical };
const char* to_string(severity level);

// What one condition found now.
struct finding {
  std::string condition_id;
  severity level = severity::warning;
  std::string title;             // one line: what is wrong
  std::string evidence;          // the figures that show it
  std::string suggested_action;  // what an operator does about it
};

// One issue, open (resolved_at unset) or resolved.
struct monitor_issue {
  std::optional<std::int64_t> id;  // its row once stored
  std::string condition_id;
  severity level = severity::warning;
  std::string title;
  std::string evidence;
  std::string suggested_action;
  std::int64_t first_seen_at_ms = 0;
  std::int64_t last_seen_at_ms = 0;
  std::optional<std::int64_t> resolved_at_ms;
};

// An account as the actor tree shows it.
struct account_view {
  std::string id;
  std::string status;      // idle, waiting, running, recovering, parked, retiring
  bool needs_recovery = false;
  std::int64_t error_streak = 0;
  std::string last_error;  // "auth_required: ..." after the driver exited 3
};

struct disk_view {
  std::string directory;
  std::uint64_t free_bytes = 0;
};

// The AOL lease as stored, and who this node's loop is.
struct lease_view {
  std::string our_owner;                  // empty: no loop runs here
  std::optional<std::string> holder;      // nullopt: never taken
  std::int64_t expires_at_ms = 0;
  // The database's clock as the lease was read: what its expiry, dated by
  // the database's clock (runtime/aol/tick.hpp), is judged against.
  std::int64_t read_at_ms = 0;
};

// Everything the conditions look at, gathered at `now_ms`. A part that could
// not be gathered is unset (or its error set) and judged by its own condition.
struct node_snapshot {
  std::int64_t now_ms = 0;
  std::int64_t started_at_ms = 0;  // this process

  // The store.
  std::optional<std::string> database_error;  // set: unreachable
  std::int64_t dlq_actions = 0;
  std::int64_t backlog_actions = 0;  // PENDING and RETRY
  lease_view lease;
  std::vector<std::string> harvester_logged_out;  // accounts whose whoami said not logged in
  std::optional<std::int64_t> last_post_at_ms;    // newest posted decision

  // The actor tree.
  bool supervisor_answered = false;
  std::vector<std::string> silent_actors;  // configured but not answering
  std::vector<account_view> accounts;

  // The process and its host.
  std::vector<disk_view> disks;
  bool binary_replaced = false;  // the executable on disk is newer than this process
  std::string binary_path;

  // The content pipeline.
  std::optional<std::string> llm_unavailable;  // ai_quota_circuit_open or budget_spent
  bool posting_allowed = false;
};

// What the monitor remembers between runs besides its issues: the queue's
// backlog at the last runs, oldest first (at most backlogTicks of them).
struct monitor_memory {
  std::vector<std::int64_t> backlogs;
};

// The memory after a run that saw `snapshot` (a run without a database keeps it).
monitor_memory remember(monitor_memory memory, const node_snapshot& snapshot, const config::monitor_config& config);

// The id of a condition about one thing: "account_parked:acct-1".
std::string condition_about(const char* condition, const std::string& subject);

// What the conditions made of a snapshot: what holds, and the conditions
// that could not be judged (their source was not reachable): an open issue
// of those stays open rather than being resolved by default.
struct evaluation {
  std::vector<finding> found;                  // in a stable order
  std::vector<std::string> unjudged_prefixes;  // condition ids starting with one of these were not judged
};

// Every condition over `snapshot`, with the thresholds of config.monitor
// (and aol.leaseTtlMs: a lease is judged once the process ran that long).
evaluation evaluate(const node_snapshot& snapshot, const monitor_memory& memory, const config::troupe_config& config);

// The issues after a run: `open` are those open before it.
struct reconciliation {
  std::vector<monitor_issue> open;      // open after the run (raised ones included), last_seen moved on
  std::vector<monitor_issue> raised;    // new this run
  std::vector<monitor_issue> resolved;  // open before, not found now: resolved_at = now
};

// Matches the findings against the open issues by condition id: a finding
// with no open issue raises one; an open issue found again stays open with
// its latest evidence; an open issue neither found nor unjudged is resolved
// at `now_ms`.
reconciliation reconcile(std::vector<monitor_issue> open, const evaluation& judged, std::int64_t now_ms);

}  // namespace troupe::ops
