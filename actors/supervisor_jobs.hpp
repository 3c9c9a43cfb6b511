// The supervisor's part for job actors (actors/jobs/job.hpp): it spawns one
// per job the config names and the node has a body for, restarts a crashed
// one like a pod, forwards reloads, routes operators' run requests and
// gathers the jobs' status. Internal to actors/supervisor.cpp.
#pragma once

#include <caf/stateful_actor.hpp>
#include <functional>
#include <string>

#include "actors/supervisor.hpp"
#include "messages/config_snapshot.hpp"
#include "messages/inspect.hpp"
#include "messages/jobs.hpp"

namespace troupe::actors {

using supervisor_ptr = caf::stateful_actor<supervisor_state>*;

// The prefix of a job's child name in restart bookkeeping ("job:plan").
inline const std::string job_child_prefix = "job:";

void spawn_job(supervisor_ptr self, const std::string& job);
void spawn_configured_jobs(supervisor_ptr self);
void forward_config_to_jobs(supervisor_ptr self, const msg::config_snapshot& snap);
// The job whose actor is `source`, or empty.
std::string job_of(const supervisor_state& st, const caf::actor_addr& source);
caf::result<msg::job_run_reply> route_job_run(supervisor_ptr self,
                                              const msg::job_run_request& request);
caf::result<msg::jobs_view> gather_jobs(supervisor_ptr self);

}  // namespace troupe::actors
