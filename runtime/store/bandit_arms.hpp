// The bandits' learned state, `bandit_arms`: per scope (the content arms,
// the timing slots, ...) one row per arm with its kind's statistics (Beta
// alpha/beta for Thompson sampling, pulls and reward sum for both). The plan
// and reply jobs load a scope; the learn job writes arms back.
//
// Times are milliseconds since the epoch, always passed in. Functions use
// the given database only; its contract (one thread at a time) applies.
// Behaviour is identical on SQLite and PostgreSQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

enum class bandit_kind { thompson, ucb };

// Stored names: "thompson", "ucb".
const char* to_string(bandit_kind kind);
std::optional<bandit_kind> parse_bandit_kind(std::string_view name);

struct bandit_arm {
  std::string scope;  // non-empty
  std::string arm;    // non-empty
  bandit_kind kind = bandit_kind::thompson;
  double alpha = 1;  // > 0
  double beta = 1;   // > 0
  std::int64_t pulls = 0;
  double reward_sum = 0;
  std::int64_t updated_at_ms = 0;
};

// The arms of `scope`, by arm name; empty when the scope has none yet.
result<std::vector<bandit_arm>> load_bandit_arms(database& db, const std::string& scope);

// Every arm of every scope, by scope, then arm name.
result<std::vector<bandit_arm>> load_all_bandit_arms(database& db);

// Creates or replaces the arm (scope, arm) with `state`, updated_at = now_ms
// (state.updated_at_ms is ignored). Fails on an empty scope or arm, alpha or
// beta not above 0, negative pulls, or a non-finite number.
status upsert_bandit_arm(database& db, const bandit_arm& state, std::int64_t now_ms);

}  // namespace troupe::store
