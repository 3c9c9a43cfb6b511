#include "runtime/store/database_clock.hpp"

#include <string>

#include "runtime/store/cluster_database.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {

result<std::int64_t> read_database_clock_ms(database& db) {
  const std::string query =
      db.kind() == backend::postgresql
          ? std::string("SELECT ") + database_now_ms
          : "SELECT CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
  return guarded("cannot read the database's clock", [&] {
    std::int64_t now_ms = 0;
    query_first_row(db.session(), query, soci::into(now_ms));
    return now_ms;
  });
}

}  // namespace troupe::store
