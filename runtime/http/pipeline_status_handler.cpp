// GET /api/pipeline-status: the reply pipeline's report
// (runtime/pipeline/reply_diagnostics.hpp), each stage `going_well` or
// `needs_attention` and why, judged from the database at the request's time
// under the config and flags in force. Open like the rest of the reads; runs
// on the query worker's thread.
#include "config/flags.hpp"
#include "runtime/http/api_context.hpp"
#include "runtime/http/handler_support.hpp"
#include "runtime/pipeline/reply_diagnostics.hpp"

namespace troupe::http {

void add_pipeline_status_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/pipeline-status",
             on_store(context, [context](store::database& db, const request&, std::int64_t now_ms) {
               const auto config = context->reloader.current();
               const auto flags = config::apply_environment(config->flags, context->environment);
               auto report = pipeline::reply_pipeline_report(db, *config, flags, now_ms);
               if (!report) return error_response(503, report.failure().message);
               return json_response(200, std::move(*report));
             }));
}

}  // namespace troupe::http
