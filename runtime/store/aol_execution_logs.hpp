// The execution log `aol_execution_logs`: one row per attempt at an action,
// written when the attempt starts and completed when it ends; a row without
// an end shows an attempt its daemon did not live through. Rows go with
// their action when it is pruned. Functions use the given database only; its
// contract (one thread at a time) applies. Behaviour is identical on SQLite
// and PostgreSQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

enum class attempt_outcome {
  succeeded,       // the adapter did its work (or, in PROOF mode, wrote its artifact)
  failed,          // the adapter failed; the action retries or goes to DLQ
  needs_decision,  // the adapter asked for an operator's decision
  fenced,          // the outcome could not be recorded: another holder has the action now
};

// The stored name: "SUCCEEDED", "FAILED", "NEEDS_DECISION", "FENCED".
const char* to_string(attempt_outcome outcome);
std::optional<attempt_outcome> parse_attempt_outcome(std::string_view name);

struct attempt_record {
  std::int64_t id = 0;
  std::int64_t action_id = 0;
  int attempt = 0;  // the action's attempts count when it was claimed
  std::int64_t lease_token = 0;
  std::int64_t started_at_ms = 0;
  // Set when the attempt ends.
  std::optional<std::int64_t> ended_at_ms;
  std::optional<attempt_outcome> outcome;
  std::optional<std::string> error;
  std::optional<std::string> artifact;  // e.g. the path of a PROOF-mode artifact
};

// Records an attempt that starts now and returns its id. Fails if the
// action does not exist.
result<std::int64_t> log_attempt_start(database& db, std::int64_t action_id, int attempt,
                                       std::int64_t lease_token, std::int64_t now_ms);

// Records the end of an attempt. Fails if no unfinished attempt has that id.
status log_attempt_end(database& db, std::int64_t id, attempt_outcome outcome,
                       const std::optional<std::string>& error_message,
                       const std::optional<std::string>& artifact, std::int64_t now_ms);

// Every attempt at the action, oldest first.
result<std::vector<attempt_record>> attempts_of(database& db, std::int64_t action_id);

}  // namespace troupe::store
