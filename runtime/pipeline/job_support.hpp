// What the job bodies share: their store, the record of each run's end in
// job_last_runs, the accounts they work for, and read-only driver verbs
// (whoami, harvest, preflight, metrics) run outside the action queue.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runtime/driver/outcome.hpp"
#include "runtime/jobs/job_body.hpp"
#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::pipeline {

// A connection to the config's database, for one run.
result<store::database> open_job_store(const config::troupe_config& config);

// `body`, with each run's end recorded as its job's last run
// (store/job_runs.hpp) at the times `now_ms` reads; a failure to record is
// logged and the run's own result stands.
jobs::job_body recorded(jobs::job_body body, std::function<std::int64_t()> now_ms);

// The pods' accounts, in config order.
std::vector<std::string> configured_accounts(const config::troupe_config& config);

// Runs `verb` for `account` with the verb's own arguments `extra`;
// `driver_program` replaces drivers.command when not empty. Its log is
// `session_id`'s; the run's cancel token stops it. Fails when the config has
// no script for the verb.
result<driver::driver_outcome> run_job_verb(const jobs::job_run_context& run, const std::string& driver_program,
                                            const std::string& verb, const std::string& account,
                                            const std::string& session_id, std::vector<std::string> extra,
                                            std::chrono::milliseconds timeout);

}  // namespace troupe::pipeline
