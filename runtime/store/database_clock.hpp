// The database server's clock, for code that dates leases on it rather than
// on its own machine's: daemons sharing one database agree on the
// database's time whatever their own clocks say.
#pragma once

#include <cstdint>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

// The database's current time in Unix epoch milliseconds: PostgreSQL's
// clock_timestamp(), SQLite's 'now' (the local clock, which every daemon on
// one SQLite file shares).
result<std::int64_t> read_database_clock_ms(database& db);

}  // namespace troupe::store
