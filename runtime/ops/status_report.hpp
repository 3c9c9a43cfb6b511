// The runbook's hierarchical status report (`troupe report`, GET /api/report
// and the files under DATA_DIR/reports): layer 0 the process, 1 the store,
// 2 the actors, 3 the pipelines (runner, AOL, content, reply), each
// `going_well` or `needs_attention` with its reasons. Built by a pure
// function from facts gathered elsewhere (report_sources.hpp); the monitor's
// open issues count against the layer they are about.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/ops/monitor.hpp"

namespace troupe::ops {

struct reload_fact {
  std::int64_t at_ms = 0;
  std::string trigger;
  bool ok = false;
  std::vector<std::string> errors;
};

struct report_facts {
  std::int64_t now_ms = 0;
  // Layer 0.
  std::int64_t started_at_ms = 0;
  std::string version;
  std::uint64_t config_version = 0;
  std::optional<reload_fact> last_reload;
  // Layer 1.
  std::string backend;                      // sqlite, postgresql
  std::optional<std::string> store_error;   // set: the database did not answer
  std::optional<double> store_latency_ms;
  std::optional<std::int64_t> store_size_bytes;
  // Layer 2.
  bool supervisor_answered = false;
  std::int64_t permits_in_use = 0, permits_capacity = 0, permits_waiting = 0;
  std::int64_t pods = 0;
  std::vector<account_view> accounts;
  // Layer 3.
  std::int64_t sessions_ended = 0, sessions_failed = 0;  // since start
  std::int64_t dlq_actions = 0, backlog_actions = 0;
  std::optional<std::string> lease_holder;
  bool lease_ours = false;
  std::optional<bool> reply_going_well;  // unset: not judged (no database)
  std::vector<std::string> reply_reasons;
  // Across layers.
  std::vector<monitor_issue> open_issues;
  std::optional<std::int64_t> monitor_last_run_at_ms;
  boost::json::array fatal_issues;  // earlier runs', as GET /api/fatal-issues lists them (shown, not judged)
};

// The report as JSON:
//   {"generated_at", "status", "layers": [{"layer", "name", "status", "reasons": [...], "facts": {...}}],
//    "pipelines": [{"name", "status", "reasons"}] (inside layer 3's facts),
//    "open_monitor_issues", "fatal_issues": [...]}
boost::json::object build_report(const report_facts& facts);

// The same report as text for a terminal and the .txt file.
std::string report_text(const boost::json::object& report);

}  // namespace troupe::ops
