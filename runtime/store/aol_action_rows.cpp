#include "runtime/store/aol_action_rows.hpp"

#include <stdexcept>

#include "runtime/store/optional_column.hpp"

namespace troupe::store::aol_rows {

action action_row::read() const {
  auto status_read = parse_action_status(status);
  if (!status_read)
    throw std::runtime_error("action " + std::to_string(fetched.id) + " has an unknown status '" +
                             status + "'");
  action result = fetched;
  result.status = *status_read;
  result.lease_token = token.value_or(0);
  return result;
}

void bind_action_columns(soci::statement& statement, action_row& row) {
  auto& fetched = row.fetched;
  statement.exchange(soci::into(fetched.id));
  statement.exchange(soci::into(fetched.type));
  statement.exchange(soci::into(fetched.payload_json));
  statement.exchange(soci::into(fetched.idempotency_key));
  statement.exchange(soci::into(row.status));
  statement.exchange(soci::into(fetched.priority));
  statement.exchange(soci::into(fetched.attempts));
  statement.exchange(soci::into(fetched.max_attempts));
  statement.exchange(soci::into(fetched.run_at_ms));
  statement.exchange(soci::into(fetched.next_attempt_at_ms));
  statement.exchange(soci::into(fetched.lease_owner));
  statement.exchange(soci::into(fetched.lease_expires_at_ms));
  statement.exchange(soci::into(row.token));
  statement.exchange(soci::into(fetched.last_error));
  statement.exchange(soci::into(fetched.decision));
  statement.exchange(soci::into(fetched.created_at_ms));
  statement.exchange(soci::into(fetched.updated_at_ms));
  statement.exchange(soci::into(fetched.finished_at_ms));
  statement.exchange(soci::into(fetched.held_reason));
  statement.exchange(soci::into(fetched.proof_artifact));
}

std::vector<action> fetch_actions(soci::statement& statement, action_row& row) {
  std::vector<action> actions;
  statement.execute();
  while (statement.fetch()) actions.push_back(row.read());
  return actions;
}

std::string stored_token(std::int64_t token) { return std::to_string(token); }

std::string json_rows(backend kind, const char* placeholder,
                      std::initializer_list<json_column> columns, const char* alias) {
  std::string listed;
  for (const auto& [name, type] : columns) {
    if (!listed.empty()) listed += ", ";
    if (kind == backend::postgresql) {
      listed += std::string(name) + " " + type;
    } else {
      listed +=
          std::string("CAST(json_extract(value, '$.") + name + "') AS " + type + ") AS " + name;
    }
  }
  if (kind == backend::postgresql) {
    return std::string("json_to_recordset(CAST(") + placeholder + " AS json)) AS " + alias + "(" +
           listed + ")";
  }
  return "(SELECT " + listed + " FROM json_each(" + placeholder + ")) AS " + alias;
}

namespace {

// The columns an enqueue writes, and the values every new action starts with.
constexpr const char* inserted_columns =
    "INSERT INTO aol_actions (type, payload, idempotency_key, status, priority, attempts,"
    " max_attempts, run_at_ms, next_attempt_at_ms, created_at_ms, updated_at_ms)";

}  // namespace

std::string insert_one_sql() {
  return std::string(inserted_columns) +
         " VALUES (:type, :payload, :key, 'PENDING', :priority, 0, :max_attempts, :run_at_ms,"
         " :next_attempt_at_ms, :created_at_ms, :updated_at_ms)"
         " ON CONFLICT (idempotency_key) DO NOTHING RETURNING " +
         action_columns;
}

// SQLite reads "INSERT ... SELECT ... ON CONFLICT" as a join's ON unless the
// SELECT has a WHERE clause.
std::string insert_batch_sql(backend kind) {
  return std::string(inserted_columns) +
         " SELECT b.type, b.payload, b.idempotency_key, 'PENDING', b.priority, 0, b.max_attempts,"
         " b.run_at_ms, b.run_at_ms, CAST(:created_at_ms AS BIGINT), CAST(:updated_at_ms AS BIGINT)"
         " FROM " +
         json_rows(kind, ":batch",
                   {{"ord", "BIGINT"},
                    {"type", "TEXT"},
                    {"payload", "TEXT"},
                    {"idempotency_key", "TEXT"},
                    {"priority", "INTEGER"},
                    {"max_attempts", "INTEGER"},
                    {"run_at_ms", "BIGINT"}},
                   "b") +
         " WHERE TRUE ORDER BY b.ord ON CONFLICT (idempotency_key) DO NOTHING RETURNING " +
         action_columns;
}

}  // namespace troupe::store::aol_rows
