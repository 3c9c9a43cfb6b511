// GET /api/metrics (JSON) and GET /metrics (Prometheus text): the node's
// counters plus the semaphore's gauges read from the supervisor.
#include "runtime/http/api_context.hpp"

namespace troupe::http {
namespace {

struct permit_gauges {
  std::int64_t capacity = 0, in_use = 0, waiting = 0;
};

permit_gauges permits_of(const msg::actor_snapshot& supervisor) {
  auto counter = [&](const char* key) {
    auto found = supervisor.counters.find(key);
    return found == supervisor.counters.end() ? std::int64_t{0} : found->second;
  };
  return {counter("permits_capacity"), counter("permits_in_use"), counter("permits_waiting")};
}

std::uint64_t total_requests(const std::map<int, std::uint64_t>& counts) {
  std::uint64_t total = 0;
  for (const auto& entry : counts) total += entry.second;
  return total;
}

boost::json::object metrics_json(const metrics_snapshot& counts, const permit_gauges& permits,
                                 const std::map<int, std::uint64_t>& requests, std::uint64_t config_version) {
  boost::json::object sessions, skips, by_status;
  for (const auto& [activity, outcomes] : counts.sessions) {
    boost::json::object per_outcome;
    for (const auto& [outcome, count] : outcomes) per_outcome[outcome] = count;
    sessions[activity] = std::move(per_outcome);
  }
  for (const auto& [reason, count] : counts.skips) skips[reason] = count;
  for (const auto& [status, count] : requests) by_status[std::to_string(status)] = count;
  const auto& handoff = counts.handoff_delays_s;
  return {{"sessions", std::move(sessions)},
          {"permits", {{"capacity", permits.capacity}, {"in_use", permits.in_use}, {"waiting", permits.waiting}}},
          {"skips", std::move(skips)},
          {"handoff_delay_s", {{"count", handoff.count()}, {"sum", handoff.sum()}}},
          {"recoveries", counts.recoveries},
          {"restarts", counts.restarts},
          {"config_reloads", {{"success", counts.reloads_succeeded}, {"failure", counts.reloads_failed}}},
          {"config_last_reload_successful", counts.last_reload_successful},
          {"config_version", config_version},
          {"http_requests", total_requests(requests)},
          {"http_requests_by_status", std::move(by_status)}};
}

std::string prometheus_text(const metrics_snapshot& counts, const permit_gauges& permits,
                            const std::map<int, std::uint64_t>& requests, std::uint64_t config_version) {
  prometheus_writer out;
  for (const auto& [activity, outcomes] : counts.sessions) {
    for (const auto& [outcome, count] : outcomes) {
      out.counter("troupe_sessions_total", "Sessions ended, by activity and outcome.", static_cast<double>(count),
                  {{"activity", activity}, {"outcome", outcome}});
    }
  }
  out.gauge("troupe_permits_capacity", "Permits of the global semaphore.", static_cast<double>(permits.capacity));
  out.gauge("troupe_permits_in_use", "Permits held by running sessions.", static_cast<double>(permits.in_use));
  out.gauge("troupe_permits_waiting", "Permit requests waiting in the queue.", static_cast<double>(permits.waiting));
  out.histogram("troupe_handoff_delay_seconds", "Handoff delays drawn after sessions ended.", counts.handoff_delays_s);
  for (const auto& [reason, count] : counts.skips) {
    out.counter("troupe_skips_total", "Planned ticks skipped, by reason.", static_cast<double>(count), {{"reason", reason}});
  }
  out.counter("troupe_recoveries_total", "Recoveries started.", static_cast<double>(counts.recoveries));
  out.counter("troupe_restarts_total", "Pods restarted after a crash.", static_cast<double>(counts.restarts));
  out.counter("troupe_config_reloads_total", "Config reloads, by result.", static_cast<double>(counts.reloads_succeeded),
              {{"result", "success"}});
  out.counter("troupe_config_reloads_total", "Config reloads, by result.", static_cast<double>(counts.reloads_failed),
              {{"result", "failure"}});
  out.gauge("troupe_config_last_reload_successful", "1 if the last config reload succeeded (or none was tried).",
            counts.last_reload_successful ? 1 : 0);
  out.gauge("troupe_config_version", "Version of the running config.", static_cast<double>(config_version));
  for (const auto& [status, count] : requests) {
    out.counter("troupe_http_requests_total", "HTTP responses sent, by status code.", static_cast<double>(count),
                {{"code", std::to_string(status)}});
  }
  return out.text();
}

// Reads the supervisor's gauges, then answers with `render` of everything.
template <class Render>
handler with_metrics(const std::shared_ptr<api_context>& context, Render render) {
  return [context, render](const request&, responder reply) {
    context->actors.supervisor([context, reply, render](result<msg::actor_snapshot> supervisor) {
      const auto permits = supervisor ? permits_of(*supervisor) : permit_gauges{};
      const auto requests = context->request_counts ? context->request_counts() : std::map<int, std::uint64_t>{};
      reply(render(context->metrics.snapshot(), permits, requests, context->reloader.version()));
    });
  };
}

}  // namespace

void add_metrics_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/metrics", with_metrics(context, [](const auto&... parts) {
               return json_response(200, metrics_json(parts...));
             }));
  routes.add("GET", "/metrics", with_metrics(context, [](const auto&... parts) {
               return text_response(200, prometheus_text(parts...), std::string(prometheus_writer::content_type));
             }));
}

}  // namespace troupe::http
