// The `sessions` table: one row per driver session or recovery step,
// inserted when it starts and completed when it ends (a row without an end
// after a crash shows what was running). Functions use the given database
// only; its contract (one thread at a time) applies. Behaviour is identical
// on SQLite and PostgreSQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

struct session_record {
  std::string session_id;
  std::string account_id;
  std::string pod;
  std::string activity;
  std::string kind = "session";     // "session" or "recovery"
  std::optional<std::string> step;  // the recovery step ("homepage", ...)
  bool burst = false;
  std::int64_t started_at_ms = 0;
  // Set when the session ends.
  std::optional<std::int64_t> ended_at_ms;
  std::optional<int> exit_code;
  std::optional<std::string> outcome;      // e.g. success, transient, auth, error, timeout
  std::optional<std::string> result_json;  // the driver's result object
  std::string log_path;                    // the per-session log file, empty when none
};

// Records a session that starts now. Fails if the id is taken or the kind is
// neither "session" nor "recovery".
status insert_session(database& db, const session_record& session);

// Records the end of a running session. False, writing nothing, when no
// session with that id is still running (unknown, or already ended).
result<bool> finish_session(database& db, const std::string& session_id, std::int64_t ended_at_ms,
                      int exit_code, const std::string& outcome,
                      const std::optional<std::string>& result_json);

// The session with that id, or nullopt.
result<std::optional<session_record>> load_session(database& db, const std::string& session_id);

// At most `limit` (>= 1) sessions of the account (of every account when
// `account_id` is empty) started at or after `since_ms`, newest first.
result<std::vector<session_record>> recent_sessions(database& db, const std::string& account_id,
                                                    std::int64_t since_ms, int limit);

// The sessions without an end, oldest first: those running now, in this
// process or another on the same database, and those a crash left without
// one (their rows stay as they were: they show what was running).
result<std::vector<session_record>> unfinished_sessions(database& db);

}  // namespace troupe::store
