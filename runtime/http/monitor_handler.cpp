// GET /api/monitor-issues: this node's open monitor issues and those resolved
// within monitor.resolvedShownMs, with the resolution figures. Read from the
// monitor's board, not the database, so that "the database does not answer"
// shows while it does not.
#include "runtime/http/api_context.hpp"
#include "runtime/http/handler_support.hpp"
#include "runtime/http/json_views.hpp"
#include "runtime/ops/monitor_board.hpp"

namespace troupe::http {
namespace {

namespace json = boost::json;

json::array issues_json(const std::vector<ops::monitor_issue>& issues) {
  json::array list;
  for (const auto& issue : issues) list.push_back(monitor_issue_json(issue));
  return list;
}

json::value seconds_or_null(const std::optional<double>& ms) {
  return ms ? json::value(*ms / 1000.0) : json::value(nullptr);
}

json::object monitor_json(const ops::monitor_state& state) {
  return {{"last_run_at", time_or_null(state.last_run_at_ms)},
          {"open", issues_json(state.open)},
          {"resolved", issues_json(state.recently_resolved)},
          {"stats",
           {{"raised", state.totals.raised},
            {"resolved", state.totals.resolved},
            {"resolution_rate", or_null(ops::resolution_rate(state.totals))},
            {"mean_time_to_resolve_s", seconds_or_null(ops::mean_time_to_resolve_ms(state.totals))}}}};
}

}  // namespace

void add_monitor_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/monitor-issues", [context](const request&, responder reply) {
    (void)reply(json_response(200, monitor_json(context->monitor->read())));
  });
}

}  // namespace troupe::http
