// GET /api/events, /api/sessions and /api/sessions/{id}/log: what happened,
// read from the store on the query worker's thread.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "runtime/http/api_context.hpp"
#include "runtime/http/handler_support.hpp"
#include "runtime/http/json_views.hpp"
#include "runtime/http/query.hpp"

namespace troupe::http {
namespace {

constexpr std::int64_t default_page = 100;
constexpr std::int64_t max_session_page = 10000;
constexpr std::streamoff max_log_bytes = 1 << 20;  // the tail of a longer log

response events(store::database& db, const request& incoming, std::int64_t) {
  store::event_query filter;
  auto since = timestamp_param(incoming.query, "since");
  auto after = integer_param(incoming.query, "after", 0);
  auto limit = page_limit(incoming.query, default_page, store::max_event_page);
  if (!since) return error_response(400, since.failure().message);
  if (!after) return error_response(400, after.failure().message);
  if (!limit) return error_response(400, limit.failure().message);
  filter.since_ms = *since;
  filter.after_id = after->value_or(0);
  filter.limit = *limit;
  filter.pod = text_param(incoming.query, "pod");
  filter.account_id = text_param(incoming.query, "account");
  filter.kind = text_param(incoming.query, "kind");
  auto found = store::query_events(db, filter);
  if (!found) return error_response(503, found.failure().message);
  boost::json::array rows;
  for (const auto& event : *found) rows.push_back(event_json(event));
  boost::json::value next = nullptr;
  if (static_cast<int>(found->size()) == filter.limit) next = found->back().id;
  return json_response(200, boost::json::object{{"events", std::move(rows)}, {"next_after", std::move(next)}});
}

response sessions(store::database& db, const request& incoming, std::int64_t) {
  auto since = timestamp_param(incoming.query, "since");
  auto limit = page_limit(incoming.query, default_page, max_session_page);
  if (!since) return error_response(400, since.failure().message);
  if (!limit) return error_response(400, limit.failure().message);
  auto found = store::recent_sessions(db, text_param(incoming.query, "account").value_or(""),
                                      since->value_or(0), *limit);
  if (!found) return error_response(503, found.failure().message);
  boost::json::array rows;
  for (const auto& session : *found) rows.push_back(session_json(session));
  return json_response(200, boost::json::object{{"sessions", std::move(rows)}});
}

// The session's log file, or its last megabyte when longer.
response session_log(store::database& db, const request& incoming, std::int64_t) {
  const auto& id = incoming.path_params.at("id");
  auto found = store::load_session(db, id);
  if (!found) return error_response(503, found.failure().message);
  if (!*found) return error_response(404, "no session " + id);
  if ((*found)->log_path.empty()) return error_response(404, "session " + id + " has no log");
  std::ifstream file((*found)->log_path, std::ios::binary | std::ios::ate);
  if (!file) return error_response(404, "the log of session " + id + " is gone: " + (*found)->log_path);
  const auto size = static_cast<std::streamoff>(file.tellg());
  file.seekg(std::max<std::streamoff>(0, size - max_log_bytes));
  std::ostringstream text;
  text << file.rdbuf();
  return text_response(200, text.str());
}

}  // namespace

void add_history_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/events", on_store(context, events));
  routes.add("GET", "/api/sessions", on_store(context, sessions));
  routes.add("GET", "/api/sessions/{id}/log", on_store(context, session_log));
}

}  // namespace troupe::http
