// The `accounts` table: each account's persistent state (account_state.hpp),
// written through by the account actor and read at start and by the API.
// Functions use the given database only; its contract (one thread at a time)
// applies. Behaviour is identical on SQLite and PostgreSQL.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/account_state.hpp"
#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

// The stored state of `account_id`, or nullopt if it has none.
result<std::optional<account_state>> load_account(database& db, const std::string& account_id);

// The accounts of `pod` (of every pod when `pod` is empty), by account id.
result<std::vector<account_state>> load_accounts(database& db, const std::string& pod);

// Inserts the account or replaces its stored state.
status save_account(database& db, const account_state& state);

// Clears running_session on every account (a crash leaves them set) and
// returns how many accounts had one.
result<int> clear_stale_running(database& db);

// Sets or clears needs_recovery: parked_at_ms becomes `at_ms` when set and 0
// when cleared; updated_at_ms becomes `at_ms`. Fails if the account has no row.
status set_needs_recovery(database& db, const std::string& account_id, bool needs_recovery,
                          std::int64_t at_ms);

}  // namespace troupe::store
