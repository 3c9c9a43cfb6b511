#include "runtime/store/sessions.hpp"

#include "runtime/store/optional_column.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

constexpr const char* session_columns =
    "SELECT session_id, account_id, pod, activity, kind, step, burst, started_at_ms,"
    " ended_at_ms, exit_code, outcome, result, log_path FROM sessions";

// A fetched row with its flag in stored form.
struct session_row {
  session_record session;
  int burst = 0;
};

void exchange_columns(soci::statement& statement, session_row& row) {
  auto& session = row.session;
  statement.exchange(soci::into(session.session_id));
  statement.exchange(soci::into(session.account_id));
  statement.exchange(soci::into(session.pod));
  statement.exchange(soci::into(session.activity));
  statement.exchange(soci::into(session.kind));
  statement.exchange(soci::into(session.step));
  statement.exchange(soci::into(row.burst));
  statement.exchange(soci::into(session.started_at_ms));
  statement.exchange(soci::into(session.ended_at_ms));
  statement.exchange(soci::into(session.exit_code));
  statement.exchange(soci::into(session.outcome));
  statement.exchange(soci::into(session.result_json));
  statement.exchange(soci::into(session.log_path));
}

// Runs a SELECT of every session column followed by `rest` (which binds
// `texts` then `numbers`, in that order) and returns the rows.
std::vector<session_record> select_sessions(database& db, const std::string& rest,
                                            std::vector<std::string> texts,
                                            std::vector<std::int64_t> numbers) {
  session_row row;
  auto select = prepare_statement(db.session(), session_columns + rest, [&](soci::statement& s) {
    exchange_columns(s, row);
    for (auto& text : texts) s.exchange(soci::use(text));
    for (auto& number : numbers) s.exchange(soci::use(number));
  });
  std::vector<session_record> sessions;
  select.execute();
  while (select.fetch()) {
    row.session.burst = row.burst != 0;
    sessions.push_back(row.session);
  }
  return sessions;
}

}  // namespace

status insert_session(database& db, const session_record& session) {
  if (session.kind != "session" && session.kind != "recovery") {
    return error{"session " + session.session_id + " has kind '" + session.kind +
                 "', not session or recovery"};
  }
  const int burst = session.burst ? 1 : 0;
  return guarded("cannot record the start of session " + session.session_id, [&] {
    execute(db.session(),
            "INSERT INTO sessions (session_id, account_id, pod, activity, kind, step,"
            " burst, started_at_ms, ended_at_ms, exit_code, outcome, result, log_path)"
            " VALUES (:session_id, :account_id, :pod, :activity, :kind, :step, :burst,"
            " :started_at_ms, :ended_at_ms, :exit_code, :outcome, :result, :log_path)",
            soci::use(session.session_id), soci::use(session.account_id), soci::use(session.pod),
            soci::use(session.activity), soci::use(session.kind), soci::use(session.step),
            soci::use(burst), soci::use(session.started_at_ms), soci::use(session.ended_at_ms),
            soci::use(session.exit_code), soci::use(session.outcome),
            soci::use(session.result_json), soci::use(session.log_path));
  });
}

result<bool> finish_session(database& db, const std::string& session_id, std::int64_t ended_at_ms,
                            int exit_code, const std::string& outcome,
                            const std::optional<std::string>& result_json) {
  return guarded("cannot record the end of session " + session_id, [&] {
    return execute(db.session(),
                   "UPDATE sessions SET ended_at_ms = :ended_at_ms, exit_code = :exit_code,"
                   " outcome = :outcome, result = :result"
                   " WHERE session_id = :session_id AND ended_at_ms IS NULL",
                   soci::use(ended_at_ms), soci::use(exit_code), soci::use(outcome),
                   soci::use(result_json), soci::use(session_id)) > 0;
  });
}

result<std::optional<session_record>> load_session(database& db, const std::string& session_id) {
  return guarded("cannot load session " + session_id, [&] {
    auto found = select_sessions(db, " WHERE session_id = :session_id", {session_id}, {});
    return found.empty() ? std::optional<session_record>{}
                         : std::optional<session_record>{std::move(found.front())};
  });
}

result<std::vector<session_record>> recent_sessions(database& db, const std::string& account_id,
                                                    std::int64_t since_ms, int limit) {
  if (limit < 1) return error{"a list of recent sessions needs a limit of at least 1"};
  const std::string order = " ORDER BY started_at_ms DESC, session_id DESC LIMIT :limit";
  return guarded("cannot list recent sessions", [&] {
    if (account_id.empty()) {
      return select_sessions(db, " WHERE started_at_ms >= :since_ms" + order, {},
                             {since_ms, limit});
    }
    return select_sessions(db,
                           " WHERE account_id = :account_id AND started_at_ms >= :since_ms" + order,
                           {account_id}, {since_ms, limit});
  });
}

result<std::vector<session_record>> unfinished_sessions(database& db) {
  return guarded("cannot list the sessions without an end", [&] {
    return select_sessions(db, " WHERE ended_at_ms IS NULL ORDER BY started_at_ms, session_id", {}, {});
  });
}

}  // namespace troupe::store
