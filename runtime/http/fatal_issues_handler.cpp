// GET /api/fatal-issues[?limit=N]: what made the daemon give up in earlier
// runs (runtime/ops/fatal_issues.hpp), newest first: the `fatal_issues`
// table and DATA_DIR/fatal-issues.json merged, one entry per issue (same
// at_ms, kind and node), the row's when both have it. Answers also while
// the database is down (from the file, with database_error saying why).
// Open like the rest of the reads; runs on the query worker's thread.
#include "runtime/http/api_context.hpp"
#include "runtime/http/handler_support.hpp"
#include "runtime/ops/fatal_issues.hpp"

namespace troupe::http {

namespace {

constexpr std::int64_t most_fatal_issues = 1000;

}  // namespace

void add_fatal_issue_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/fatal-issues", [context](const request& incoming, responder reply) {
    auto limit = page_limit(incoming.query, static_cast<std::int64_t>(ops::fatal_issues_kept),
                            most_fatal_issues);
    if (!limit) return (void)reply(error_response(400, limit.failure().message));
    const auto data_dir = context->reloader.current()->aol.data_dir;
    context->queries.post(
        [reply, data_dir, limit = *limit](store::database* db, const std::string& problem) {
          auto report = ops::read_fatal_issues(db, data_dir, static_cast<std::size_t>(limit));
          if (db == nullptr) report.database_error = "the store is unreachable: " + problem;
          reply(json_response(200, ops::to_json(report, data_dir)));
        });
  });
}

}  // namespace troupe::http
