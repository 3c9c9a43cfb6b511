// The `runner_events` table: an append-only log of what the smart runner
// planned, started, finished, skipped and recovered, read by the API and the
// console with keyset paging on the event id. Functions use the given
// database only; its contract (one thread at a time) applies. Behaviour is
// identical on SQLite and PostgreSQL.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

struct runner_event {
  std::int64_t id = 0;  // assigned by the store; ignored by append
  std::int64_t at_ms = 0;
  std::string kind;  // plan, start, finish, error, skip, recover, ...
  // Empty when the event has none.
  std::string pod;
  std::string account_id;
  std::string session_id;
  std::string activity;
  std::string mood;
  std::string reason;  // e.g. a skip reason
  std::optional<std::int64_t> duration_ms;
  std::optional<int> exit_code;
  bool burst = false;
  std::optional<double> energy;
  std::string detail;  // JSON text, empty when none
};

// Appends one event and returns its id. Fails on an empty kind.
result<std::int64_t> append_event(database& db, const runner_event& event);

// Appends the events in one transaction: all of them or none.
status append_events(database& db, const std::vector<runner_event>& events);
status append_events(database& db, const std::deque<runner_event>& events);

// Which events to read: every filter that is set must match; at_ms lies in
// [since_ms, until_ms). Events come by ascending id, after `after_id`: pass
// the last id of one page to get the next. (On PostgreSQL ids are handed out
// at insert, not at commit: with several writing connections, a page read
// while one commits may pass over its ids. Troupe writes events from one.)
struct event_query {
  std::optional<std::int64_t> since_ms;
  std::optional<std::int64_t> until_ms;
  std::optional<std::string> pod;
  std::optional<std::string> account_id;
  std::optional<std::string> kind;
  std::int64_t after_id = 0;
  int limit = 100;  // 1..max_event_page
};

constexpr int max_event_page = 10000;

// At most query.limit matching events by ascending id. Fails on a limit
// outside 1..max_event_page.
result<std::vector<runner_event>> query_events(database& db, const event_query& query);

}  // namespace troupe::store
