// The API's JSON shapes of Troupe's values (see the API contract in
// README.md): actors, accounts, events, sessions, reload results, times.
// Pure functions.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "messages/inspect.hpp"
#include "runtime/config_reloader.hpp"
#include "runtime/ops/monitor.hpp"
#include "runtime/store/runner_events.hpp"
#include "runtime/store/sessions.hpp"

namespace troupe::http {

// "2026-11-27T10:00:00.123Z".
std::string iso_time(std::int64_t ms);
// An ISO time, or null for 0 / empty / unparsable milliseconds text.
boost::json::value iso_time_or_null(const std::string& ms_text);
// An ISO time, or null when there is none.
boost::json::value time_or_null(const std::optional<std::int64_t>& ms);

// Each row's JSON, in order.
template <class Row, class ToJson>
boost::json::array array_of(const std::vector<Row>& rows, ToJson to_json) {
  boost::json::array out;
  for (const auto& row : rows) out.push_back(to_json(row));
  return out;
}

// The value, or null when there is none.
template <class T>
boost::json::value or_null(const std::optional<T>& value) {
  if (!value) return nullptr;
  return boost::json::value(*value);
}

boost::json::object actor_json(const msg::actor_snapshot& actor);
// An account actor's snapshot as the API's account.
boost::json::object account_json(const msg::actor_snapshot& actor);
boost::json::object event_json(const store::runner_event& event);
boost::json::object session_json(const store::session_record& session);
boost::json::value reload_json(const std::optional<reload_record>& reload);
boost::json::object monitor_issue_json(const ops::monitor_issue& issue);

}  // namespace troupe::http
