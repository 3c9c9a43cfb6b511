// The `fatal_issues` table (runtime/ops/fatal_issues.hpp says what a fatal
// issue is and where else it is kept). Times are milliseconds since the
// epoch. Functions use the given database only; its contract (one thread at
// a time) applies. Behaviour is identical on SQLite and PostgreSQL.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/ops/fatal_issues.hpp"
#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

// Stores `issue` (its id is ignored) and returns the new row's id.
result<std::int64_t> insert_fatal_issue(database& db, const ops::fatal_issue& issue);

// The newest `limit` issues (limit >= 1), newest first, marked stored.
result<std::vector<ops::fatal_issue>> load_fatal_issues(database& db, int limit);

// The id of the row of the same issue (ops::same_fatal_issue), or nullopt.
result<std::optional<std::int64_t>> find_fatal_issue(database& db, const ops::fatal_issue& issue);

}  // namespace troupe::store
