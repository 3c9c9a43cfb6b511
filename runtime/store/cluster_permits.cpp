#include "runtime/store/cluster_permits.hpp"

#include <soci/soci.h>

#include <algorithm>

#include "runtime/store/cluster_database.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

// One grant pass, in one statement, for a pass holding the semaphore row.
// Grantable slots (not held, available_at passed, within the capacity) in
// the order they became available are paired with the live waiters in the
// fair order: by place in their pod's queue, then by the pod's turn (its
// place in the round robin), then by the pod's oldest waiter (pods that
// joined at the same turn, in the order they joined). That is the order in
// which permit_pool grants. Each served pod moves to the back: its turn
// becomes the pass's base plus its last grant's rank, and the base moves
// past every turn handed out. Waiters of dead nodes are dropped. Binds:
// capacity, node TTL, permit TTL, base turn.
const std::string grant_pass = clock_cte + R"SQL(,
free AS (
  SELECT slot, row_number() OVER (ORDER BY available_at, slot) AS rank
  FROM (SELECT c.slot, c.available_at FROM cluster_permits c, clock
        WHERE c.slot <= :capacity AND (c.expires_at IS NULL OR c.expires_at <= clock.now_ms)
          AND c.available_at <= clock.now_ms
        ORDER BY c.available_at, c.slot
        FOR UPDATE OF c SKIP LOCKED) AS grantable
),
live AS (
  SELECT w.id, w.node, w.pod, w.account_id,
         row_number() OVER (PARTITION BY w.pod ORDER BY w.id) AS place,
         min(w.id) OVER (PARTITION BY w.pod) AS pod_head
  FROM cluster_permit_waiters w JOIN nodes n ON n.id = w.node, clock
  WHERE n.heartbeat > clock.now_ms - :node_ttl
),
queue AS (
  SELECT live.*, row_number() OVER (ORDER BY live.place, p.turn, live.pod_head) AS rank
  FROM live JOIN cluster_permit_pods p ON p.pod = live.pod
),
pairs AS (
  SELECT free.slot, queue.id, queue.node, queue.pod, queue.account_id, queue.rank
  FROM free JOIN queue ON queue.rank = free.rank
),
granted AS (
  UPDATE cluster_permits c SET token = c.token + 1, node = pairs.node, pod = pairs.pod,
    account_id = pairs.account_id, request_id = pairs.id, granted_at = clock.now_ms,
    expires_at = clock.now_ms + :permit_ttl, collected = 0
  FROM pairs, clock WHERE c.slot = pairs.slot
  RETURNING pairs.id, pairs.pod, pairs.rank
),
served AS (
  DELETE FROM cluster_permit_waiters
  WHERE id IN (SELECT id FROM granted) OR id NOT IN (SELECT id FROM live)
),
moved_back AS (
  UPDATE cluster_permit_pods p SET turn = :turns + last_grant.rank
  FROM (SELECT pod, max(rank) AS rank FROM granted GROUP BY pod) AS last_grant
  WHERE p.pod = last_grant.pod
)
UPDATE cluster_semaphore SET turns = turns + (SELECT count(*) FROM granted) + 1 WHERE id = 1)SQL";

// The node's grants not yet collected, marked collected. Binds: node.
const std::string collect_grants = clock_cte +
                                   " UPDATE cluster_permits c SET collected = 1 FROM clock"
                                   " WHERE c.node = :node AND c.collected = 0"
                                   " AND c.expires_at > clock.now_ms"
                                   " RETURNING c.slot, c.token, c.node, c.pod, c.account_id,"
                                   " c.request_id, c.granted_at, c.expires_at";

// Runs `statement` (its first elements bound to `row`'s columns in
// cluster_permit order) to its end and returns the permits, by slot.
std::vector<cluster_permit> fetch_permits(soci::statement& statement, cluster_permit& row) {
  std::vector<cluster_permit> permits;
  run_to_end(statement, [&] { permits.push_back(row); });
  std::sort(permits.begin(), permits.end(),
            [](const cluster_permit& a, const cluster_permit& b) { return a.slot < b.slot; });
  return permits;
}

template <class... More>
soci::statement prepare_permit_rows(database& db, const std::string& text, cluster_permit& row,
                                    const More&... more) {
  return prepare(db.session(), text, soci::into(row.slot), soci::into(row.token),
                 soci::into(row.node), soci::into(row.pod), soci::into(row.account_id),
                 soci::into(row.request_id), soci::into(row.granted_at), soci::into(row.expires_at),
                 more...);
}

status check_node(const database& db, const std::string& what, const std::string& node) {
  if (auto refused = require_cluster_database(db, what); !refused) return refused;
  if (node.empty()) return error{"cannot " + what + ": no node named"};
  return {};
}

// Runs a grant pass if no other node's is running (the semaphore row is
// free to lock); inside the caller's transaction.
void run_grant_pass(database& db, const permit_claim_timing& timing) {
  int capacity = 0;
  std::int64_t turns = 0;
  const bool our_turn = query_first_row(
      db.session(),
      "SELECT capacity, turns FROM cluster_semaphore WHERE id = 1 FOR UPDATE SKIP LOCKED",
      soci::into(capacity), soci::into(turns));
  if (!our_turn) return;
  execute(db.session(), grant_pass, soci::use(capacity), soci::use(timing.node_ttl_ms),
          soci::use(timing.permit_ttl_ms), soci::use(turns));
}

}  // namespace

status resize_cluster_permits(database& db, int capacity) {
  const auto what = "resize the cluster's permits to " + std::to_string(capacity);
  if (auto refused = require_cluster_database(db, what); !refused) return refused;
  if (capacity < 0) return error{"cannot " + what + ": the capacity must be at least 0"};
  return guarded("cannot " + what, [&] {
    soci::transaction transaction(db.session());
    execute(db.session(),
            "INSERT INTO cluster_semaphore (id, capacity) VALUES (1, :capacity)"
            " ON CONFLICT (id) DO UPDATE SET capacity = EXCLUDED.capacity",
            soci::use(capacity));
    execute(db.session(),
            "INSERT INTO cluster_permits (slot) SELECT generate_series(1, :capacity)"
            " ON CONFLICT (slot) DO NOTHING",
            soci::use(capacity));
    transaction.commit();
  });
}

result<std::int64_t> request_cluster_permit(database& db, const std::string& node,
                                            const std::string& pod, const std::string& account_id) {
  const auto what = "ask for a permit for " + account_id;
  if (auto valid = check_node(db, what, node); !valid) return valid.failure();
  if (pod.empty()) return error{"cannot " + what + ": no pod named"};
  return guarded("cannot " + what, [&] {
    std::int64_t id = 0;
    // A pod that has no waiter joins the round robin at the back (the
    // current base turn); a waiting pod keeps its place.
    query_first_row(db.session(), clock_cte + R"SQL(,
joined AS (
  INSERT INTO cluster_permit_pods (pod, turn)
  VALUES (:pod, COALESCE((SELECT turns FROM cluster_semaphore WHERE id = 1), 0))
  ON CONFLICT (pod) DO UPDATE SET turn = EXCLUDED.turn
  WHERE NOT EXISTS (SELECT 1 FROM cluster_permit_waiters w WHERE w.pod = EXCLUDED.pod)
)
INSERT INTO cluster_permit_waiters (node, pod, account_id, requested_at)
SELECT :node, :pod, :account_id, now_ms FROM clock RETURNING id)SQL",
                    soci::into(id), soci::use(pod), soci::use(node), soci::use(pod),
                    soci::use(account_id));
    return id;
  });
}

result<bool> cancel_cluster_permit_request(database& db, const std::string& node,
                                           std::int64_t request_id) {
  const auto what = "withdraw permit request " + std::to_string(request_id);
  if (auto valid = check_node(db, what, node); !valid) return valid.failure();
  return guarded("cannot " + what, [&] {
    return execute(db.session(),
                   "DELETE FROM cluster_permit_waiters WHERE id = :id AND node = :node",
                   soci::use(request_id), soci::use(node)) > 0;
  });
}

result<std::vector<cluster_permit>> claim_cluster_permits(database& db, const std::string& node,
                                                          const permit_claim_timing& timing) {
  const auto what = "claim permits for " + node;
  if (auto valid = check_node(db, what, node); !valid) return valid.failure();
  if (timing.permit_ttl_ms < 1 || timing.node_ttl_ms < 1) {
    return error{"cannot " + what + ": the permit and node TTLs must be at least 1 ms"};
  }
  return guarded("cannot " + what, [&] {
    soci::transaction transaction(db.session());
    run_grant_pass(db, timing);
    cluster_permit row;
    auto collect = prepare_permit_rows(db, collect_grants, row, soci::use(node));
    auto permits = fetch_permits(collect, row);
    transaction.commit();
    return permits;
  });
}

result<std::vector<cluster_permit>> renew_cluster_permits(database& db, const std::string& node,
                                                          std::int64_t permit_ttl_ms) {
  const auto what = "renew the permits of " + node;
  if (auto valid = check_node(db, what, node); !valid) return valid.failure();
  if (permit_ttl_ms < 1) return error{"cannot " + what + ": the permit TTL must be at least 1 ms"};
  return guarded("cannot " + what, [&] {
    cluster_permit row;
    auto renew = prepare_permit_rows(
        db,
        clock_cte +
            " UPDATE cluster_permits c SET expires_at = clock.now_ms + :ttl FROM clock"
            " WHERE c.node = :node AND c.expires_at > clock.now_ms"
            " RETURNING c.slot, c.token, c.node, c.pod, c.account_id, c.request_id,"
            " c.granted_at, c.expires_at",
        row, soci::use(permit_ttl_ms), soci::use(node));
    return fetch_permits(renew, row);
  });
}

result<bool> release_cluster_permit(database& db, const std::string& node, int slot,
                                    std::int64_t token, std::int64_t handoff_delay_ms) {
  const auto what = "release permit " + std::to_string(slot) + " of " + node;
  if (auto valid = check_node(db, what, node); !valid) return valid.failure();
  if (handoff_delay_ms < 0) return error{"cannot " + what + ": a negative handoff delay"};
  return guarded("cannot " + what, [&] {
    return execute(db.session(),
                   std::string("UPDATE cluster_permits SET expires_at = NULL, node = '', pod = '',"
                               " account_id = '', request_id = NULL, available_at = ") +
                       database_now_ms +
                       " + :delay WHERE slot = :slot AND token = :token AND node = :node",
                   soci::use(handoff_delay_ms), soci::use(slot), soci::use(token),
                   soci::use(node)) > 0;
  });
}

result<cluster_permit_state> load_cluster_permits(database& db) {
  if (auto refused = require_cluster_database(db, "read the cluster's permits"); !refused) {
    return refused.failure();
  }
  return guarded("cannot read the cluster's permits", [&] {
    cluster_permit_state state;
    query_first_row(db.session(),
                    "SELECT COALESCE((SELECT capacity FROM cluster_semaphore WHERE id = 1), 0),"
                    " (SELECT count(*) FROM cluster_permit_waiters)",
                    soci::into(state.capacity), soci::into(state.waiting));
    cluster_permit row;
    auto held = prepare_permit_rows(db,
                                    clock_cte +
                                        " SELECT c.slot, c.token, c.node, c.pod, c.account_id,"
                                        " c.request_id, c.granted_at, c.expires_at"
                                        " FROM cluster_permits c, clock"
                                        " WHERE c.expires_at > clock.now_ms",
                                    row);
    state.held = fetch_permits(held, row);
    return state;
  });
}

}  // namespace troupe::store
