// GET /api/jobs and POST /admin/jobs/run?job=NAME: the content pipeline's
// periodic jobs, their last runs and next run; one run now, answered at
// once with its run id (202), 404 for an unknown job, 409 while a run of it
// is still going.
#include "runtime/http/api_context.hpp"
#include "runtime/http/handler_support.hpp"
#include "runtime/http/json_views.hpp"

namespace troupe::http {
namespace {

namespace json = boost::json;

json::value time_or_null_when_zero(std::int64_t ms) {
  return ms == 0 ? json::value(nullptr) : json::value(iso_time(ms));
}

json::object run_json(const msg::job_run_view& run) {
  json::object out{{"run_id", run.run_id},
                   {"trigger", run.trigger},
                   {"started_at", iso_time(run.started_at_ms)},
                   {"finished_at", time_or_null_when_zero(run.finished_at_ms)},
                   {"outcome", run.outcome},
                   {"summary", run.summary}};
  out["duration_ms"] = run.finished_at_ms == 0
                           ? json::value(nullptr)
                           : json::value(run.finished_at_ms - run.started_at_ms);
  return out;
}

json::object job_json(const msg::job_status& job) {
  json::array runs;
  std::string running;
  for (const auto& run : job.runs) {
    if (run.outcome == "running") running = run.run_id;
    runs.push_back(run_json(run));
  }
  return {{"name", job.name},
          {"enabled", job.enabled},
          {"every_ms", job.every_ms},
          {"next_run_at", time_or_null_when_zero(job.next_run_at_ms)},
          {"running", running.empty() ? json::value(nullptr) : json::value(running)},
          {"runs", std::move(runs)}};
}

void list_jobs(const std::shared_ptr<api_context>& context, const responder& reply) {
  context->actors.jobs([reply](result<msg::jobs_view> jobs) {
    if (!jobs) return (void)reply(error_response(503, jobs.failure().message));
    json::array list;
    for (const auto& job : jobs->jobs) list.push_back(job_json(job));
    (void)reply(json_response(200, json::object{{"jobs", std::move(list)}}));
  });
}

void run_job(const std::shared_ptr<api_context>& context, const request& incoming,
             const responder& reply) {
  const auto job = incoming.query.find("job");
  if (job == incoming.query.end() || job->second.empty()) {
    return (void)reply(error_response(400, "say which job to run: ?job=NAME"));
  }
  context->actors.run_job(job->second, [reply](result<msg::job_run_reply> answer) {
    if (!answer) return (void)reply(error_response(503, answer.failure().message));
    if (answer->unknown_job) return (void)reply(error_response(404, answer->refusal));
    if (!answer->started)
      return (void)reply(error_response(409, "job " + answer->job + ": " + answer->refusal));
    (void)reply(json_response(
        202, json::object{{"job", answer->job}, {"run_id", answer->run_id}, {"started", true}}));
  });
}

}  // namespace

void add_job_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/jobs",
             [context](const request&, responder reply) { list_jobs(context, reply); });
  routes.add("POST", "/admin/jobs/run",
             admin_only(context, [context](const request& incoming, responder reply) {
               run_job(context, incoming, reply);
             }));
}

}  // namespace troupe::http
