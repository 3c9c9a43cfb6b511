#include "tests/cluster/cluster_database.hpp"

#include <soci/soci.h>

#include "runtime/store/cluster_database.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store::testing {

std::int64_t database_now(database& db) {
  std::int64_t now = 0;
  query_first_row(db.session(), std::string("SELECT ") + database_now_ms, soci::into(now));
  return now;
}

}  // namespace troupe::store::testing
