#include "runtime/store/aol_execution_logs.hpp"

#include <stdexcept>
#include <utility>

#include "runtime/store/aol_action_rows.hpp"
#include "runtime/store/optional_column.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

constexpr std::pair<attempt_outcome, const char*> outcome_names[] = {
    {attempt_outcome::succeeded, "SUCCEEDED"},
    {attempt_outcome::failed, "FAILED"},
    {attempt_outcome::needs_decision, "NEEDS_DECISION"},
    {attempt_outcome::fenced, "FENCED"},
};

// A fetched row with its outcome and token in stored form.
struct attempt_row {
  attempt_record attempt;
  std::optional<std::string> outcome;
  std::optional<std::int64_t> token;

  attempt_record read() const {
    attempt_record result = attempt;
    if (outcome) {
      result.outcome = parse_attempt_outcome(*outcome);
      if (!result.outcome)
        throw std::runtime_error("attempt " + std::to_string(attempt.id) +
                                 " has an unknown outcome '" + *outcome + "'");
    }
    result.lease_token = token.value_or(0);
    return result;
  }
};

}  // namespace

const char* to_string(attempt_outcome outcome) {
  for (const auto& [value, name] : outcome_names) {
    if (value == outcome) return name;
  }
  return "UNKNOWN";
}

std::optional<attempt_outcome> parse_attempt_outcome(std::string_view name) {
  for (const auto& [value, stored] : outcome_names) {
    if (name == stored) return value;
  }
  return std::nullopt;
}

result<std::int64_t> log_attempt_start(database& db, std::int64_t action_id, int attempt,
                                       std::int64_t lease_token, std::int64_t now_ms) {
  const std::string stored_token = aol_rows::stored_token(lease_token);
  return guarded(
      "cannot record the start of an attempt at action " + std::to_string(action_id), [&] {
        std::int64_t id = 0;
        query_first_row(db.session(),
                        "INSERT INTO aol_execution_logs (action_id, attempt, lease_token,"
                        " started_at_ms) VALUES (:action_id, :attempt, :lease_token,"
                        " :started_at_ms) RETURNING id",
                        soci::into(id), soci::use(action_id), soci::use(attempt),
                        soci::use(stored_token), soci::use(now_ms));
        return id;
      });
}

status log_attempt_end(database& db, std::int64_t id, attempt_outcome outcome,
                       const std::optional<std::string>& error_message,
                       const std::optional<std::string>& artifact, std::int64_t now_ms) {
  const std::string stored_outcome = to_string(outcome);
  return guarded("cannot record the end of attempt " + std::to_string(id), [&]() -> status {
    const auto changed =
        execute(db.session(),
                "UPDATE aol_execution_logs SET ended_at_ms = :ended_at_ms, outcome = :outcome,"
                " error = :error, artifact = :artifact WHERE id = :id AND ended_at_ms IS NULL",
                soci::use(now_ms), soci::use(stored_outcome), soci::use(error_message),
                soci::use(artifact), soci::use(id));
    if (changed == 0) return error{"no unfinished attempt " + std::to_string(id)};
    return {};
  });
}

result<std::vector<attempt_record>> attempts_of(database& db, std::int64_t action_id) {
  return guarded("cannot list the attempts at action " + std::to_string(action_id), [&] {
    attempt_row row;
    auto& attempt = row.attempt;
    auto select = prepare(
        db.session(),
        "SELECT id, action_id, attempt, CAST(lease_token AS BIGINT), started_at_ms, ended_at_ms,"
        " outcome, error, artifact FROM aol_execution_logs"
        " WHERE action_id = :action_id ORDER BY id",
        soci::into(attempt.id), soci::into(attempt.action_id), soci::into(attempt.attempt),
        soci::into(row.token), soci::into(attempt.started_at_ms), soci::into(attempt.ended_at_ms),
        soci::into(row.outcome), soci::into(attempt.error), soci::into(attempt.artifact),
        soci::use(action_id));
    std::vector<attempt_record> attempts;
    select.execute();
    while (select.fetch()) attempts.push_back(row.read());
    return attempts;
  });
}

}  // namespace troupe::store
