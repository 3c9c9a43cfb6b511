// What a job does in one run: a function the job actor calls on a thread of
// its own (a detached run actor), so it may block on SQL, an LLM or a
// driver. The daemon registers the bodies by job name (node_context::jobs);
// the config says which of them run and how often.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "runtime/driver/cancel_token.hpp"

namespace troupe::jobs {

struct job_run_context {
  std::string job;                                      // "plan", "reply", ...
  std::string run_id;                                   // as /api/jobs and the log show it
  std::shared_ptr<const config::troupe_config> config;  // in force when the run started
  // Cancelled when the daemon stops: a body checks it between its steps.
  std::shared_ptr<const driver::cancel_token> cancel;
};

struct job_result {
  bool succeeded = true;
  std::string summary;  // "queued 3, skipped 1", or why it failed
};

// A body. A body that throws fails its run with what it threw.
using job_body = std::function<job_result(const job_run_context&)>;
using job_catalog = std::map<std::string, job_body>;

}  // namespace troupe::jobs
