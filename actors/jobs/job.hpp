// A job actor (`job:plan`, `job:reply`, ...): a periodic job of the content
// pipeline under the supervisor. It keeps the job's book
// (runtime/jobs/job_book.hpp), wakes when a timed run is due, and starts
// each run on a detached run actor that calls the job's body on its own
// thread and reports back, so the job still answers /api/jobs and the
// console while a run blocks. An operator's run request is answered at
// once with the run id, or why not. A reload changes its interval and
// enabled flag; when the daemon stops, the running body's cancel token is
// cancelled.
#pragma once

#include <caf/actor.hpp>
#include <caf/stateful_actor.hpp>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "runtime/driver/cancel_token.hpp"
#include "runtime/jobs/job_body.hpp"
#include "runtime/jobs/job_book.hpp"
#include "runtime/node_context.hpp"
#include "runtime/policy/rng.hpp"

namespace troupe::actors {

struct job_actor_state {
  std::shared_ptr<const node_context> context;
  std::shared_ptr<const config::troupe_config> config;
  jobs::job_body body;
  jobs::job_book book;
  std::shared_ptr<driver::cancel_token> running_cancel;  // of the run in progress
  std::uint64_t wake_generation = 0;                     // stale wakes are ignored
  std::uint64_t messages_handled = 0;
  std::string last_error;  // the last failed run's summary
  policy::rng random{0};   // draws each timed run's jitter (jobs.<name>.jitterMs)
  static inline const char* name = "job";
  ~job_actor_state();
};

caf::behavior job_actor(caf::stateful_actor<job_actor_state>* self,
                        std::shared_ptr<const node_context> context,
                        std::shared_ptr<const config::troupe_config> config, std::string job_name,
                        jobs::job_body body);

}  // namespace troupe::actors
