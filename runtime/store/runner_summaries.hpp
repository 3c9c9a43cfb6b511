// The `runner_summaries` table: per account and local day, how many
// sessions (by activity), errors, skips, recoveries and bursts there were and
// how long sessions ran. Counters only grow, by `add_to_summary`. Functions
// use the given database only; its contract (one thread at a time) applies.
// Behaviour is identical on SQLite and PostgreSQL.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

struct runner_summary {
  std::string account_id;
  std::string day;  // the pod's local date, "YYYY-MM-DD"
  std::string pod;
  std::int64_t sessions = 0;
  std::map<std::string, std::int64_t> sessions_by_activity;
  std::int64_t errors = 0;
  std::int64_t skips = 0;
  std::int64_t recoveries = 0;
  std::int64_t bursts = 0;
  std::int64_t active_ms = 0;
};

// What to add to one account's day: a summary whose counters (and
// per-activity counts) are increments; pod replaces the stored pod.
using summary_delta = runner_summary;

// Adds the delta's counters to the summary of (account_id, day), creating it
// at zero first; atomic, also against other connections. Fails on an empty
// account id or day.
status add_to_summary(database& db, const summary_delta& delta);

// The summaries of `day`, by account id.
result<std::vector<runner_summary>> load_summaries(database& db, const std::string& day);

}  // namespace troupe::store
