#include "runtime/store/cluster_nodes.hpp"

#include <soci/soci.h>

#include "runtime/store/cluster_database.hpp"
#include "runtime/store/cluster_pod_leases.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

result<std::vector<node_record>> select_nodes(database& db, std::int64_t node_ttl_ms,
                                              bool only_live) {
  if (auto refused = require_cluster_database(db, "list the nodes"); !refused) {
    return refused.failure();
  }
  if (node_ttl_ms < 1) return error{"the node TTL must be at least 1 ms"};
  return guarded("cannot list the nodes", [&] {
    node_record row;
    int live = 0;
    const int wanted = only_live ? 1 : 0;
    auto select =
        prepare(db.session(),
                std::string("WITH listed AS (SELECT id, address, version, started, heartbeat,"
                            " CASE WHEN heartbeat > ") +
                    database_now_ms +
                    " - :ttl THEN 1 ELSE 0 END AS live FROM nodes)"
                    " SELECT id, address, version, started, heartbeat, live FROM listed"
                    " WHERE live >= :wanted ORDER BY id",
                soci::into(row.id), soci::into(row.address), soci::into(row.version),
                soci::into(row.started), soci::into(row.heartbeat), soci::into(live),
                soci::use(node_ttl_ms), soci::use(wanted));
    std::vector<node_record> nodes;
    run_to_end(select, [&] {
      row.live = live != 0;
      nodes.push_back(row);
    });
    return nodes;
  });
}

}  // namespace

result<node_record> register_node(database& db, const std::string& id, const std::string& address,
                                  const std::string& version) {
  if (auto refused = require_cluster_database(db, "register node " + id); !refused) {
    return refused.failure();
  }
  if (id.empty()) return error{"a node needs an id"};
  return guarded("cannot register node " + id, [&] {
    node_record node{id, address, version, 0, 0, true};
    query_first_row(db.session(),
                    std::string("WITH clock AS (SELECT ") + database_now_ms +
                        " AS now_ms)"
                        " INSERT INTO nodes (id, address, version, started, heartbeat)"
                        " SELECT :id, :address, :version, now_ms, now_ms FROM clock"
                        " ON CONFLICT (id) DO UPDATE SET address = EXCLUDED.address,"
                        " version = EXCLUDED.version, started = EXCLUDED.started,"
                        " heartbeat = EXCLUDED.heartbeat RETURNING started, heartbeat",
                    soci::into(node.started), soci::into(node.heartbeat), soci::use(id),
                    soci::use(address), soci::use(version));
    return node;
  });
}

result<bool> heartbeat_node(database& db, const std::string& id) {
  if (auto refused = require_cluster_database(db, "heartbeat node " + id); !refused) {
    return refused.failure();
  }
  return guarded("cannot record the heartbeat of node " + id, [&] {
    return execute(
               db.session(),
               std::string("UPDATE nodes SET heartbeat = ") + database_now_ms + " WHERE id = :id",
               soci::use(id)) > 0;
  });
}

result<std::vector<node_record>> list_nodes(database& db, std::int64_t node_ttl_ms) {
  return select_nodes(db, node_ttl_ms, false);
}

result<std::vector<node_record>> live_nodes(database& db, std::int64_t node_ttl_ms) {
  return select_nodes(db, node_ttl_ms, true);
}

result<bool> withdraw_node(database& db, const std::string& id) {
  if (auto refused = require_cluster_database(db, "withdraw node " + id); !refused)
    return refused.failure();
  return guarded("cannot withdraw node " + id + " from the placement", [&] {
    return execute(db.session(), "DELETE FROM nodes WHERE id = :id", soci::use(id)) > 0;
  });
}

result<int> leave_cluster(database& db, const std::string& id) {
  if (auto refused = require_cluster_database(db, "take node " + id + " out"); !refused) {
    return refused.failure();
  }
  return guarded("cannot take node " + id + " out of the cluster", [&] {
    const std::int64_t released_expiry = released_pod_lease_expiry;
    soci::transaction transaction(db.session());
    const auto released = execute(db.session(),
                                  std::string("UPDATE pod_leases SET expires_at = :released"
                                              " WHERE node = :id AND expires_at > ") +
                                      database_now_ms,
                                  soci::use(released_expiry), soci::use(id));
    execute(db.session(), "DELETE FROM nodes WHERE id = :id", soci::use(id));
    transaction.commit();
    return static_cast<int>(released);
  });
}

}  // namespace troupe::store
