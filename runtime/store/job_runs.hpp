// Each job's last run, `job_last_runs`: what `troupe diag` and the pipeline
// status read to tell whether a stage still runs, from the database alone
// (the job actors' own books live in the daemon's memory).
//
// Times are milliseconds since the epoch, always passed in. Functions use
// the given database only; its contract (one thread at a time) applies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

struct job_last_run {
  std::string job;
  std::string run_id;
  std::int64_t started_at_ms = 0;
  std::int64_t finished_at_ms = 0;
  bool succeeded = false;
  std::string summary;
  std::optional<std::int64_t> last_success_at_ms;  // of this or an earlier run
};

// Records a finished run as the job's last (last_success_at moves only
// when it succeeded). Fails on an empty job name.
status record_job_run(database& db, const job_last_run& run);

// Every job's last run, by job name.
result<std::vector<job_last_run>> load_job_runs(database& db);

}  // namespace troupe::store
