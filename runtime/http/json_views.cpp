#include "runtime/http/json_views.hpp"

#include "runtime/policy/local_time.hpp"

#include <date/date.h>

#include <chrono>

namespace troupe::http {
namespace {

std::string state_of(const msg::actor_snapshot& actor, const char* key) {
  auto found = actor.state.find(key);
  return found == actor.state.end() ? std::string() : found->second;
}

std::int64_t counter_of(const msg::actor_snapshot& actor, const char* key) {
  auto found = actor.counters.find(key);
  return found == actor.counters.end() ? 0 : found->second;
}

boost::json::value text_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  return boost::json::value(text);
}

template <class T>
boost::json::value optional_json(const std::optional<T>& value) {
  if (!value) return nullptr;
  return boost::json::value(*value);
}

}  // namespace

std::string iso_time(std::int64_t ms) { return policy::iso_utc_time(ms); }

boost::json::value iso_time_or_null(const std::string& ms_text) {
  try {
    const auto ms = std::stoll(ms_text);
    if (ms <= 0) return nullptr;
    return boost::json::value(iso_time(ms));
  } catch (const std::exception&) {
    return nullptr;
  }
}

boost::json::object actor_json(const msg::actor_snapshot& actor) {
  boost::json::object state, counters;
  for (const auto& [key, value] : actor.state) state[key] = value;
  for (const auto& [key, value] : actor.counters) counters[key] = value;
  // The contract's names for the supervisor's semaphore and handoff.
  if (actor.kind == "supervisor") {
    counters["capacity"] = counter_of(actor, "permits_capacity");
    counters["recoveries"] = counter_of(actor, "recoveries_started");
    counters["restarts"] = counter_of(actor, "restarts");
    const auto next = iso_time_or_null(state_of(actor, "next_handoff_at_ms"));
    state["next_handoff_at"] = next.is_null() ? "" : next.as_string();
  }
  return {{"kind", actor.kind},
          {"id", actor.id},
          {"parent", actor.parent},
          {"state", std::move(state)},
          {"counters", std::move(counters)},
          {"mailbox_size", actor.mailbox_size},
          {"messages_handled", actor.messages_handled},
          {"restarts", actor.restarts},
          {"last_error", actor.last_error}};
}

boost::json::object account_json(const msg::actor_snapshot& actor) {
  const auto id = actor.id.substr(actor.id.find(':') + 1);
  double energy = 0;
  try {
    energy = std::stod(state_of(actor, "energy"));
  } catch (const std::exception&) {
  }
  std::int64_t error_streak = 0;
  try {
    error_streak = std::stoll(state_of(actor, "error_streak"));
  } catch (const std::exception&) {
  }
  return {{"id", id},
          {"pod", state_of(actor, "pod")},
          {"energy", energy},
          {"next_eligible", iso_time_or_null(state_of(actor, "next_eligible_at_ms"))},
          {"error_streak", error_streak},
          {"needs_recovery", state_of(actor, "needs_recovery") == "true"},
          {"running_session", text_or_null(state_of(actor, "running_session"))},
          {"mood", state_of(actor, "mood")},
          {"status", state_of(actor, "status")},
          {"sessions_today", counter_of(actor, "sessions_today")},
          {"config_version", state_of(actor, "config_version")},
          {"last_skip_reason", state_of(actor, "last_skip_reason")},
          {"last_error", actor.last_error}};
}

boost::json::object event_json(const store::runner_event& event) {
  return {{"id", event.id},
          {"at", iso_time(event.at_ms)},
          {"kind", event.kind},
          {"pod", event.pod},
          {"account", event.account_id},
          {"session", event.session_id},
          {"activity", event.activity},
          {"mood", event.mood},
          {"reason", event.reason},
          {"duration_ms", optional_json(event.duration_ms)},
          {"exit_code", optional_json(event.exit_code)},
          {"burst", event.burst},
          {"energy", optional_json(event.energy)}};
}

boost::json::object session_json(const store::session_record& session) {
  boost::json::value ended = nullptr;
  if (session.ended_at_ms) ended = iso_time(*session.ended_at_ms);
  return {{"id", session.session_id},
          {"account", session.account_id},
          {"pod", session.pod},
          {"activity", session.activity},
          {"kind", session.kind},
          {"started_at", iso_time(session.started_at_ms)},
          {"ended_at", std::move(ended)},
          {"outcome", optional_json(session.outcome)},
          {"exit_code", optional_json(session.exit_code)}};
}

boost::json::value reload_json(const std::optional<reload_record>& reload) {
  if (!reload) return nullptr;
  boost::json::array errors;
  for (const auto& line : reload->errors) errors.push_back(boost::json::value(line));
  return boost::json::object{{"at", iso_time(reload->at_ms)},
                             {"trigger", reload->trigger},
                             {"ok", reload->ok},
                             {"changed", reload->changed},
                             {"config_version", reload->config_version},
                             {"errors", std::move(errors)}};
}

boost::json::value time_or_null(const std::optional<std::int64_t>& ms) {
  if (!ms) return nullptr;
  return boost::json::value(iso_time(*ms));
}

boost::json::object monitor_issue_json(const ops::monitor_issue& issue) {
  return {{"id", or_null(issue.id)},
          {"condition_id", issue.condition_id},
          {"severity", ops::to_string(issue.level)},
          {"title", issue.title},
          {"evidence", issue.evidence},
          {"suggested_action", issue.suggested_action},
          {"first_seen_at", iso_time(issue.first_seen_at_ms)},
          {"last_seen_at", iso_time(issue.last_seen_at_ms)},
          {"resolved_at", time_or_null(issue.resolved_at_ms)}};
}

}  // namespace troupe::http
