// The monitor's issues, `monitor_issues`: one row per raised condition,
// updated while it stays open and closed (resolved_at) when it clears. Raised
// and resolved issues are also system events (kinds monitor_issue_raised and
// monitor_issue_resolved), written in the same transaction.
//
// Times are milliseconds since the epoch, always passed in. Functions use
// the given database only; its contract (one thread at a time) applies.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/ops/monitor.hpp"
#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

// Stores what one monitor run changed: inserts the raised issues (their ids
// are set), updates the open ones and closes the resolved ones, all in one
// transaction. Issues without an id among `open`/`resolved` are inserted.
status save_monitor_run(database& db, std::vector<ops::monitor_issue>& raised, std::vector<ops::monitor_issue>& open,
                        std::vector<ops::monitor_issue>& resolved);

// The open issues, oldest first.
result<std::vector<ops::monitor_issue>> load_open_issues(database& db);

// The issues resolved at or after `since_ms`, newest first.
result<std::vector<ops::monitor_issue>> load_resolved_issues(database& db, std::int64_t since_ms);

}  // namespace troupe::store
