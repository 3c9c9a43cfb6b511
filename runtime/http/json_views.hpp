// The API's JSON shapes of Troupe's values (see the API contract in
// README.md): actors, accounts, events, sessions, reload results, times.
// Pure functions.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "messages/inspect.hpp"
#include "runtime/config_reloader.hpp"
#include "runtime/store/runner_events.hpp"
#include "runtime/store/sessions.hpp"

namespace troupe::http {

// "2026-11-27T10:00:00.123Z".
std::string iso_time(std::int64_t ms);
// An ISO time, or null for 0 / empty / unparsable milliseconds text.
boost::json::value iso_time_or_null(const std::string& ms_text);

boost::json::object actor_json(const msg::actor_snapshot& actor);
// An account actor's snapshot as the API's account.
boost::json::object account_json(const msg::actor_snapshot& actor);
boost::json::object event_json(const store::runner_event& event);
boost::json::object session_json(const store::session_record& session);
boost::json::value reload_json(const std::optional<reload_record>& reload);

}  // namespace troupe::http
