// GET /api/report: the runbook's status report, layer by layer (see
// runtime/ops/status_report.hpp). Built on the query worker's thread: it
// times a query and probes the tree, which must not block the server.
#include "runtime/http/api_context.hpp"
#include "runtime/http/handler_support.hpp"

namespace troupe::http {

void add_report_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/report", [context](const request&, responder reply) {
    if (!context->report) return (void)reply(error_response(503, "no status report in this process"));
    context->queries.post([context, reply](store::database* db, const std::string& problem) {
      reply(json_response(200, context->report(db, problem)));
    });
  });
}

}  // namespace troupe::http
