// Internal to the action queue's repository files (aol_actions.cpp,
// aol_claims.cpp, aol_execution_logs.cpp; the queue benchmark's raw baseline
// runs the same statements): how an `aol_actions` row is
// selected, bound and read, and how a lease token is stored. The token
// columns are TEXT (001_init); they hold the token as a decimal integer,
// incremented and read in SQL with casts, so the queue needs no migration.
// Throws SOCI's exceptions: call inside `guarded`.
//
// In the queue's SQL no placeholder name appears twice: SQLite binds a
// repeated name once, SOCI's PostgreSQL backend once per occurrence, so a
// value needed twice is bound twice under two names.
#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/store/aol_actions.hpp"

namespace troupe::store::aol_rows {

// Every column of an action, in the order bind_action_columns fetches them,
// for a SELECT list or a RETURNING clause.
constexpr const char* action_columns =
    "id, type, payload, idempotency_key, status, priority, attempts, max_attempts, run_at_ms,"
    " next_attempt_at_ms, lease_owner, lease_expires_at_ms, CAST(lease_token AS BIGINT),"
    " last_error, decision, created_at_ms, updated_at_ms, finished_at_ms, held_reason,"
    " proof_artifact";

// The SQL expression of a row's next lease token (the first claim gives 1).
constexpr const char* next_token_expression =
    "CAST(COALESCE(CAST(lease_token AS BIGINT), 0) + 1 AS TEXT)";

// A fetched row; `read()` converts it to an action.
struct action_row {
  action fetched;
  std::string status;
  std::optional<std::int64_t> token;

  // Throws on a status that is not one of the queue's.
  action read() const;
};

// Binds action_columns, in order, as values fetched into `row`.
void bind_action_columns(soci::statement& statement, action_row& row);

// Executes a prepared statement whose results are action_columns, fetched
// into `row`, and returns every row.
std::vector<action> fetch_actions(soci::statement& statement, action_row& row);

// The stored form of a token.
std::string stored_token(std::int64_t token);

// A column of json_rows: its name (a field of each JSON object) and its SQL type.
using json_column = std::pair<const char*, const char*>;

// A FROM item reading the JSON array of objects bound to `placeholder` as
// rows named `alias`, one column per field: many values in one bound
// parameter, so that one statement (one round trip) handles a whole batch.
// PostgreSQL: json_to_recordset; SQLite: json_each.
std::string json_rows(backend kind, const char* placeholder,
                      std::initializer_list<json_column> columns, const char* alias);

// INSERT of one action unless its key is taken, returning the new row
// (action_columns). Binds :type, :payload, :key, :priority, :max_attempts,
// :run_at_ms, :next_attempt_at_ms, :created_at_ms, :updated_at_ms.
std::string insert_one_sql();

// INSERT of a batch, the JSON array bound to :batch (fields ord, type,
// payload, idempotency_key, priority, max_attempts, run_at_ms), each unless
// its key is taken, returning the new rows. Binds :created_at_ms,
// :updated_at_ms, :batch.
std::string insert_batch_sql(backend kind);

}  // namespace troupe::store::aol_rows
