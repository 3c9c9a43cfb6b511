#include "runtime/store/accounts.hpp"

#include "runtime/store/json_int_map.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

constexpr const char* account_columns =
    "SELECT account_id, pod, day, energy, starts_today, done_today, next_eligible_at_ms,"
    " last_start_at_ms, last_session_end_ms, error_streak, needs_recovery, parked_at_ms,"
    " running_session, targets_cursor, updated_at_ms FROM accounts";

// One fetched row: the JSON columns and the flag in their stored form.
struct account_row {
  account_state state;
  std::string starts_today;
  std::string done_today;
  std::string last_start_at_ms;
  int needs_recovery = 0;
};

void exchange_columns(soci::statement& statement, account_row& row) {
  auto& state = row.state;
  statement.exchange(soci::into(state.account_id));
  statement.exchange(soci::into(state.pod));
  statement.exchange(soci::into(state.day));
  statement.exchange(soci::into(state.energy));
  statement.exchange(soci::into(row.starts_today));
  statement.exchange(soci::into(row.done_today));
  statement.exchange(soci::into(state.next_eligible_at_ms));
  statement.exchange(soci::into(row.last_start_at_ms));
  statement.exchange(soci::into(state.last_session_end_ms));
  statement.exchange(soci::into(state.error_streak));
  statement.exchange(soci::into(row.needs_recovery));
  statement.exchange(soci::into(state.parked_at_ms));
  statement.exchange(soci::into(state.running_session));
  statement.exchange(soci::into(state.targets_cursor));
  statement.exchange(soci::into(state.updated_at_ms));
}

result<account_state> to_state(const account_row& row) {
  account_state state = row.state;
  const std::string where = "accounts row " + state.account_id + ": ";
  auto starts_today = activity_counts_from_json(row.starts_today, where + "starts_today");
  if (!starts_today) return starts_today.failure();
  auto done_today = activity_counts_from_json(row.done_today, where + "done_today");
  if (!done_today) return done_today.failure();
  auto last_start = activity_counts_from_json(row.last_start_at_ms, where + "last_start_at_ms");
  if (!last_start) return last_start.failure();
  state.starts_today = std::move(*starts_today);
  state.done_today = std::move(*done_today);
  state.last_start_at_ms = std::move(*last_start);
  state.needs_recovery = row.needs_recovery != 0;
  return state;
}

// Runs a SELECT of every account column (`where` may bind one text value) and
// converts the rows.
result<std::vector<account_state>> select_accounts(database& db, const std::string& where,
                                                   const std::string* value) {
  std::vector<account_state> accounts;
  account_row row;
  auto statement =
      prepare_statement(db.session(), std::string(account_columns) + where + " ORDER BY account_id",
                        [&](soci::statement& s) {
                          exchange_columns(s, row);
                          if (value != nullptr) s.exchange(soci::use(*value));
                        });
  statement.execute();
  while (statement.fetch()) {
    auto state = to_state(row);
    if (!state) return state.failure();
    accounts.push_back(std::move(*state));
  }
  return accounts;
}

}  // namespace

result<std::optional<account_state>> load_account(database& db, const std::string& account_id) {
  return guarded("cannot load account " + account_id,
                 [&]() -> result<std::optional<account_state>> {
                   auto found = select_accounts(db, " WHERE account_id = :account_id", &account_id);
                   if (!found) return found.failure();
                   if (found->empty()) return std::optional<account_state>{};
                   return std::optional<account_state>{std::move(found->front())};
                 });
}

result<std::vector<account_state>> load_accounts(database& db, const std::string& pod) {
  return guarded("cannot load the accounts of " + (pod.empty() ? "every pod" : "pod " + pod), [&] {
    return pod.empty() ? select_accounts(db, "", nullptr)
                       : select_accounts(db, " WHERE pod = :pod", &pod);
  });
}

status save_account(database& db, const account_state& state) {
  if (state.account_id.empty()) return error{"cannot save an account without an account id"};
  const std::string starts_today = int_map_to_json(state.starts_today);
  const std::string done_today = int_map_to_json(state.done_today);
  const std::string last_start_at_ms = int_map_to_json(state.last_start_at_ms);
  const int needs_recovery = state.needs_recovery ? 1 : 0;
  return guarded("cannot save account " + state.account_id, [&] {
    execute(db.session(),
            "INSERT INTO accounts (account_id, pod, day, energy, starts_today, done_today,"
            " next_eligible_at_ms, last_start_at_ms, last_session_end_ms, error_streak,"
            " needs_recovery, parked_at_ms, running_session, targets_cursor, updated_at_ms)"
            " VALUES (:account_id, :pod, :day, :energy, :starts_today, :done_today,"
            " :next_eligible_at_ms, :last_start_at_ms, :last_session_end_ms,"
            " :error_streak, :needs_recovery, :parked_at_ms, :running_session,"
            " :targets_cursor, :updated_at_ms)"
            " ON CONFLICT (account_id) DO UPDATE SET pod = excluded.pod,"
            " day = excluded.day, energy = excluded.energy,"
            " starts_today = excluded.starts_today, done_today = excluded.done_today,"
            " next_eligible_at_ms = excluded.next_eligible_at_ms,"
            " last_start_at_ms = excluded.last_start_at_ms,"
            " last_session_end_ms = excluded.last_session_end_ms,"
            " error_streak = excluded.error_streak,"
            " needs_recovery = excluded.needs_recovery,"
            " parked_at_ms = excluded.parked_at_ms,"
            " running_session = excluded.running_session,"
            " targets_cursor = excluded.targets_cursor,"
            " updated_at_ms = excluded.updated_at_ms",
            soci::use(state.account_id), soci::use(state.pod), soci::use(state.day),
            soci::use(state.energy), soci::use(starts_today), soci::use(done_today),
            soci::use(state.next_eligible_at_ms), soci::use(last_start_at_ms),
            soci::use(state.last_session_end_ms), soci::use(state.error_streak),
            soci::use(needs_recovery), soci::use(state.parked_at_ms),
            soci::use(state.running_session), soci::use(state.targets_cursor),
            soci::use(state.updated_at_ms));
  });
}

result<int> clear_stale_running(database& db) {
  return guarded("cannot clear stale running sessions", [&] {
    return static_cast<int>(execute(
        db.session(), "UPDATE accounts SET running_session = '' WHERE running_session <> ''"));
  });
}

status set_needs_recovery(database& db, const std::string& account_id, bool needs_recovery,
                          std::int64_t at_ms) {
  const int flag = needs_recovery ? 1 : 0;
  const std::int64_t parked_at_ms = needs_recovery ? at_ms : 0;
  return guarded("cannot set needs_recovery of account " + account_id, [&]() -> status {
    const auto changed =
        execute(db.session(),
                "UPDATE accounts SET needs_recovery = :flag,"
                " parked_at_ms = :parked_at_ms, updated_at_ms = :at_ms"
                " WHERE account_id = :account_id",
                soci::use(flag), soci::use(parked_at_ms), soci::use(at_ms), soci::use(account_id));
    if (changed == 0) return error{"no account " + account_id};
    return {};
  });
}

}  // namespace troupe::store
