#include "runtime/store/runner_summaries.hpp"

#include "runtime/store/json_int_map.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"
#include "runtime/store/transaction_scope.hpp"

namespace troupe::store {
namespace {

std::string describe(const std::string& account_id, const std::string& day) {
  return "runner_summaries.sessions_by_activity of " + account_id + " on " + day;
}

// Reads the per-activity counts of a summary row that this transaction has
// locked: SQLite's write lock is taken by the preceding INSERT, PostgreSQL
// needs FOR UPDATE to keep a concurrent writer out until commit.
result<int_map> locked_counts_by_activity(database& db, const summary_delta& delta) {
  const std::string lock = db.kind() == backend::postgresql ? " FOR UPDATE" : "";
  std::string stored;
  query_first_row(db.session(),
                  "SELECT sessions_by_activity FROM runner_summaries"
                  " WHERE account_id = :account_id AND day = :day" +
                      lock,
                  soci::into(stored), soci::use(delta.account_id), soci::use(delta.day));
  return int_map_from_json(stored, describe(delta.account_id, delta.day));
}

// add_to_summary's work; throws SOCI's exceptions.
status apply_delta(database& db, const summary_delta& delta) {
  transaction_scope transaction(db);
  execute(db.session(),
          "INSERT INTO runner_summaries (account_id, day) VALUES (:account_id, :day)"
          " ON CONFLICT DO NOTHING",
          soci::use(delta.account_id), soci::use(delta.day));
  auto counts = locked_counts_by_activity(db, delta);
  if (!counts) return counts.failure();
  for (const auto& [activity, count] : delta.sessions_by_activity) (*counts)[activity] += count;
  const std::string by_activity = int_map_to_json(*counts);
  execute(db.session(),
          "UPDATE runner_summaries SET pod = :pod, sessions = sessions + :sessions,"
          " sessions_by_activity = :sessions_by_activity, errors = errors + :errors,"
          " skips = skips + :skips, recoveries = recoveries + :recoveries,"
          " bursts = bursts + :bursts, active_ms = active_ms + :active_ms"
          " WHERE account_id = :account_id AND day = :day",
          soci::use(delta.pod), soci::use(delta.sessions), soci::use(by_activity),
          soci::use(delta.errors), soci::use(delta.skips), soci::use(delta.recoveries),
          soci::use(delta.bursts), soci::use(delta.active_ms), soci::use(delta.account_id),
          soci::use(delta.day));
  transaction.commit();
  return {};
}

// load_summaries' work; throws SOCI's exceptions.
result<std::vector<runner_summary>> select_summaries(database& db, const std::string& day) {
  runner_summary row;
  std::string by_activity;
  auto select = prepare(db.session(),
                        "SELECT account_id, day, pod, sessions, sessions_by_activity, errors,"
                        " skips, recoveries, bursts, active_ms"
                        " FROM runner_summaries WHERE day = :day ORDER BY account_id",
                        soci::into(row.account_id), soci::into(row.day), soci::into(row.pod),
                        soci::into(row.sessions), soci::into(by_activity), soci::into(row.errors),
                        soci::into(row.skips), soci::into(row.recoveries), soci::into(row.bursts),
                        soci::into(row.active_ms), soci::use(day));
  std::vector<runner_summary> summaries;
  select.execute();
  while (select.fetch()) {
    auto counts = int_map_from_json(by_activity, describe(row.account_id, row.day));
    if (!counts) return counts.failure();
    row.sessions_by_activity = std::move(*counts);
    summaries.push_back(row);
  }
  return summaries;
}

}  // namespace

status add_to_summary(database& db, const summary_delta& delta) {
  if (delta.account_id.empty() || delta.day.empty()) {
    return error{"a summary delta needs an account id and a day"};
  }
  return guarded("cannot add to the summary of " + delta.account_id + " on " + delta.day,
                 [&] { return apply_delta(db, delta); });
}

result<std::vector<runner_summary>> load_summaries(database& db, const std::string& day) {
  return guarded("cannot load the summaries of " + day, [&] { return select_summaries(db, day); });
}

}  // namespace troupe::store
