// What the cluster's store functions (cluster_nodes, cluster_pod_leases,
// cluster_permits, the fenced writes) share. Cluster mode coordinates
// through PostgreSQL only: row locks with SKIP LOCKED, conditional updates
// and the server's clock. Every time is the database's, read in the very
// statement that uses it, because nodes' clocks drift and jump and a lease
// computed from a node's clock is no lease. Stateless; thread-safe.
#pragma once

#include <string>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

// SQL: the database's current time in Unix epoch milliseconds.
// clock_timestamp(), not now(): now() is the start of the transaction, which
// may precede the node's request; a lease must never be dated before it.
inline constexpr const char* database_now_ms =
    "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";

// SQL: `WITH clock AS (...)`, one row whose now_ms is database_now_ms. (An
// inline variable: initialised before any statement a file builds from it.)
inline const std::string clock_cte =
    std::string("WITH clock AS (SELECT ") + database_now_ms + " AS now_ms)";

// Fails with "cluster mode needs PostgreSQL ..." unless `db` is PostgreSQL.
// `what` names the refused operation.
status require_cluster_database(const database& db, const std::string& what);

}  // namespace troupe::store
