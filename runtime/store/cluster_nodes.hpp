// The `nodes` table: the Troupe nodes of a cluster and their heartbeats.
// A node is live while its heartbeat is newer than the database's now minus
// the node TTL; started and heartbeat are set from the database's clock
// (epoch ms), so nodes with skewed clocks still agree on who is live.
// PostgreSQL only: every function fails on SQLite (cluster_database.hpp).
// Functions use the given database only; its contract (one thread at a
// time) applies.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

struct node_record {
  std::string id;
  std::string address;  // where its API listens, for the other nodes' views
  std::string version;
  std::int64_t started = 0;    // when it (last) registered
  std::int64_t heartbeat = 0;  // its last heartbeat
  bool live = false;           // heartbeat newer than now - node TTL (as listed)
};

// Records that node `id` starts now: started and heartbeat become the
// database's now (a node restarting under the same id starts again). Fails
// on an empty id.
result<node_record> register_node(database& db, const std::string& id, const std::string& address,
                                  const std::string& version);

// Sets the node's heartbeat to the database's now; false when the node is
// not registered (it left, or never joined).
result<bool> heartbeat_node(database& db, const std::string& id);

// Every registered node by id, each with `live` set for a TTL of
// `node_ttl_ms` (>= 1).
result<std::vector<node_record>> list_nodes(database& db, std::int64_t node_ttl_ms);

// The live nodes by id (as list_nodes, without the others).
result<std::vector<node_record>> live_nodes(database& db, std::int64_t node_ttl_ms);

// A graceful stop begins: removes the node's row, so the other nodes place
// no pod on it and take each of its pods once it releases it; its leases
// stay its own until then. False when it had no row.
result<bool> withdraw_node(database& db, const std::string& id);

// A graceful stop: releases every pod lease the node holds (the pods can be
// taken at once, without waiting for expiry) and removes its row, in one
// transaction. Returns how many leases it released.
result<int> leave_cluster(database& db, const std::string& id);

}  // namespace troupe::store
