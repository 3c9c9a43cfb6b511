#include "actors/supervisor_jobs.hpp"

#include <caf/all.hpp>

#include "actors/jobs/job.hpp"
#include "messages/atoms.hpp"

namespace troupe::actors {

void spawn_job(supervisor_ptr self, const std::string& job) {
  auto& st = self->state;
  const auto body = st.context->jobs.find(job);
  if (body == st.context->jobs.end()) return;
  st.jobs[job] = self->spawn<caf::linked>(job_actor, st.context, st.config, job, body->second);
}

void spawn_configured_jobs(supervisor_ptr self) {
  for (const auto& entry : self->state.config->jobs) spawn_job(self, entry.first);
}

void forward_config_to_jobs(supervisor_ptr self, const msg::config_snapshot& snap) {
  for (const auto& entry : self->state.jobs) self->send(entry.second, snap);
}

std::string job_of(const supervisor_state& st, const caf::actor_addr& source) {
  for (const auto& entry : st.jobs) {
    if (entry.second.address() == source) return entry.first;
  }
  return {};
}

caf::result<msg::job_run_reply> route_job_run(supervisor_ptr self,
                                              const msg::job_run_request& request) {
  const auto job = self->state.jobs.find(request.job);
  if (job == self->state.jobs.end())
    return msg::job_run_reply{request.job, "", false, true, "no job " + request.job};
  self->delegate(job->second, request);
  return caf::delegated<msg::job_run_reply>{};
}

caf::result<msg::jobs_view> gather_jobs(supervisor_ptr self) {
  if (self->state.jobs.empty()) return msg::jobs_view{};
  auto promise = self->make_response_promise<msg::jobs_view>();
  auto collected = std::make_shared<msg::jobs_view>();
  auto remaining = std::make_shared<std::size_t>(self->state.jobs.size());
  auto one_answered = [=]() mutable {
    if (--*remaining > 0) return;
    std::sort(collected->jobs.begin(), collected->jobs.end(),
              [](const msg::job_status& a, const msg::job_status& b) { return a.name < b.name; });
    promise.deliver(std::move(*collected));
  };
  for (const auto& entry : self->state.jobs) {
    self->request(entry.second, std::chrono::seconds(5), msg::jobs_atom::value)
        .then(
            [=](msg::job_status& status) mutable {
              collected->jobs.push_back(std::move(status));
              one_answered();
            },
            [=](caf::error&) mutable { one_answered(); });
  }
  return promise;
}

}  // namespace troupe::actors
