// GET /api/summaries?day=YYYY-MM-DD&pod=NAME: the daily summaries per
// account (runner_summaries) of one local day, as a JSON array of rows with
// their counters, by account id. Without `day`, today (in the pod's time
// zone with `pod`, else in the config's `timezone`); with `pod`, only that
// pod's accounts. A malformed day or an unknown pod is a 400 saying why.
// Open like the rest of the reads; runs on the query worker's thread.
#include "runtime/http/api_context.hpp"
#include "runtime/http/handler_support.hpp"
#include "runtime/ops/summary_query.hpp"

namespace troupe::http {
namespace {

std::optional<std::string> param(const query_params& query, const char* name) {
  const auto found = query.find(name);
  if (found == query.end()) return std::nullopt;
  return found->second;
}

boost::json::object summary_json(const store::runner_summary& summary) {
  boost::json::object by_activity;
  for (const auto& [activity, count] : summary.sessions_by_activity) by_activity[activity] = count;
  return {{"account_id", summary.account_id},
          {"pod", summary.pod},
          {"day", summary.day},
          {"sessions", summary.sessions},
          {"sessions_by_activity", std::move(by_activity)},
          {"errors", summary.errors},
          {"skips", summary.skips},
          {"recoveries", summary.recoveries},
          {"bursts", summary.bursts},
          {"active_ms", summary.active_ms}};
}

}  // namespace

void add_summary_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add(
      "GET", "/api/summaries",
      on_store(
          context, [context](store::database& db, const request& incoming, std::int64_t now_ms) {
            const auto query = ops::resolve_summary_query(*context->reloader.current(),
                                                          param(incoming.query, "day"),
                                                          param(incoming.query, "pod"), now_ms);
            if (!query) return error_response(400, query.failure().message);
            auto stored = store::load_summaries(db, query->day);
            if (!stored) return error_response(503, stored.failure().message);
            boost::json::array rows;
            for (const auto& summary : ops::select_summaries(*query, std::move(stored).value())) {
              rows.push_back(summary_json(summary));
            }
            return json_response(200, std::move(rows));
          }));
}

}  // namespace troupe::http
