// The persistent state of one account: what the planner reads, what the
// account actor writes through to the `accounts` table on every change, and
// what the API shows. A plain value; all times are Unix epoch milliseconds
// (UTC) so that SQLite and PostgreSQL store them the same way (BIGINT).
#pragma once

#include <cstdint>
#include <string>

#include "runtime/activity_counts.hpp"

namespace troupe {

struct account_state {
  std::string account_id;              // the profile id
  std::string pod;

  // Daily counters, reset at the pod's local midnight (see `day`).
  std::string day;                     // local date "YYYY-MM-DD" the counters belong to
  double energy = 1.0;
  activity_counts starts_today; // activity -> sessions started today
  activity_counts done_today;   // unit -> units done today (e.g. follows)

  std::int64_t next_eligible_at_ms = 0; // no session before this instant
  activity_counts last_start_at_ms; // activity -> last session start
  std::int64_t last_session_end_ms = 0;

  std::int64_t error_streak = 0;       // consecutive failed sessions
  bool needs_recovery = false;         // parked until cleared or the cool-down
  std::int64_t parked_at_ms = 0;       // when needs_recovery was set

  std::string running_session;         // session id while one runs, else empty
  std::int64_t targets_cursor = 0;     // index into the follow targets file

  std::int64_t updated_at_ms = 0;
};

} // namespace troupe
