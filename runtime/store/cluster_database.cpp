#include "runtime/store/cluster_database.hpp"

namespace troupe::store {

status require_cluster_database(const database& db, const std::string& what) {
  if (db.kind() == backend::postgresql) return {};
  return error{"cluster mode needs PostgreSQL: cannot " + what + " on " + db.url_for_logs() +
               " (SQLite keeps one node and the in-memory semaphore)"};
}

}  // namespace troupe::store
