// Messages between the supervisor, the job actors and the HTTP bridge.
#pragma once

#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace troupe::msg {

// An operator asks for one run of `job` now.
struct job_run_request {
  std::string job;
};

// The answer: started with `run_id`, or not and why (unknown job, a run
// still going).
struct job_run_reply {
  std::string job;
  std::string run_id;
  bool started = false;
  bool unknown_job = false;
  std::string refusal;
};

// A run actor -> its job: the run ended.
struct job_finished {
  std::string run_id;
  bool succeeded = false;
  std::string summary;
};

// One run as /api/jobs shows it (0 = not yet for finished_at_ms).
struct job_run_view {
  std::string run_id;
  std::string trigger;  // timer | operator
  std::int64_t started_at_ms = 0;
  std::int64_t finished_at_ms = 0;
  std::string outcome;  // running | succeeded | failed | skipped
  std::string summary;
};

// A job as /api/jobs shows it (0 = none for next_run_at_ms).
struct job_status {
  std::string name;
  bool enabled = false;
  std::int64_t every_ms = 0;
  std::int64_t next_run_at_ms = 0;
  std::vector<job_run_view> runs;  // the running one first, then newest first
};

struct jobs_view {
  std::vector<job_status> jobs;  // by name
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_run_request& x) {
  return f(caf::meta::type_name("job_run_request"), x.job);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_run_reply& x) {
  return f(caf::meta::type_name("job_run_reply"), x.job, x.run_id, x.started, x.unknown_job,
           x.refusal);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_finished& x) {
  return f(caf::meta::type_name("job_finished"), x.run_id, x.succeeded, x.summary);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_run_view& x) {
  return f(caf::meta::type_name("job_run_view"), x.run_id, x.trigger, x.started_at_ms,
           x.finished_at_ms, x.outcome, x.summary);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_status& x) {
  return f(caf::meta::type_name("job_status"), x.name, x.enabled, x.every_ms, x.next_run_at_ms,
           x.runs);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, jobs_view& x) {
  return f(caf::meta::type_name("jobs_view"), x.jobs);
}

}  // namespace troupe::msg
