// The harvester's view of each account, `harvester_accounts`: what its last
// `whoami` said and when it last harvested. An account answering "not logged
// in" (or the driver's exit 3) is marked auth-required from the first such
// answer until a `whoami` succeeds again; the API, the console and
// `troupe diag` show the mark.
//
// Times are milliseconds since the epoch, always passed in. Functions use
// the given database only; its contract (one thread at a time) applies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

struct harvester_account {
  std::string account_id;
  bool logged_in = true;
  std::optional<std::int64_t> checked_at_ms;        // the last whoami
  std::optional<std::int64_t> logged_out_since_ms;  // set while not logged in
  std::string reason;                               // why not, empty while logged in
  std::optional<std::int64_t> last_harvest_at_ms;
  std::int64_t last_harvest_count = 0;  // opportunities the last harvest recorded
};

// Records a `whoami` answer at now_ms: logged in clears the mark; not logged
// in keeps the time it was first seen. Fails on an empty account.
status record_whoami(database& db, const std::string& account_id, bool logged_in, const std::string& reason,
                     std::int64_t now_ms);

// Records a harvest of the account at now_ms that recorded `count` new opportunities.
status record_harvest(database& db, const std::string& account_id, std::int64_t count, std::int64_t now_ms);

// The account's row, or nullopt when the harvester never saw it.
result<std::optional<harvester_account>> load_harvester_account(database& db, const std::string& account_id);

// The accounts marked auth-required, by account.
result<std::vector<harvester_account>> auth_required_accounts(database& db);

}  // namespace troupe::store
