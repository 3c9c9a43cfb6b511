#include "runtime/store/cluster_pod_leases.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>
#include <map>

#include "runtime/store/cluster_database.hpp"
#include "runtime/store/cluster_fence.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

status check_pod_lease_request(const database& db, const std::string& what, const std::string& node,
                               std::int64_t ttl_ms) {
  if (auto refused = require_cluster_database(db, what); !refused) return refused;
  if (node.empty()) return error{"cannot " + what + ": no node named"};
  if (ttl_ms < 1) return error{"cannot " + what + ": the lease TTL must be at least 1 ms"};
  return {};
}

// The leases as a JSON array of {pod, epoch}: one bound text for any count.
std::string held_pods_json(const std::vector<held_pod>& held) {
  boost::json::array rows;
  for (const auto& lease : held) rows.push_back({{"pod", lease.pod}, {"epoch", lease.epoch}});
  return boost::json::serialize(rows);
}

}  // namespace

result<bool> lock_pod_fence(database& db, const pod_fence& fence) {
  const auto what = "check the lease of pod " + fence.pod + " for " + fence.node;
  if (auto refused = require_cluster_database(db, what); !refused) return refused.failure();
  return guarded("cannot " + what, [&] {
    std::int64_t epoch = 0;
    return query_first_row(
        db.session(),
        std::string("SELECT epoch FROM pod_leases WHERE pod = :pod AND node = :node"
                    " AND epoch = :epoch AND expires_at > ") +
            database_now_ms + " FOR SHARE",
        soci::into(epoch), soci::use(fence.pod), soci::use(fence.node), soci::use(fence.epoch));
  });
}

result<std::optional<pod_lease>> take_pod_lease(database& db, const std::string& pod,
                                                const std::string& node, std::int64_t ttl_ms) {
  const auto what = "take the lease of pod " + pod + " for " + node;
  if (auto valid = check_pod_lease_request(db, what, node, ttl_ms); !valid) return valid.failure();
  if (pod.empty()) return error{"cannot take a pod lease: no pod named"};
  return guarded("cannot " + what, [&] {
    pod_lease taken{pod, node, 0, 0, true};
    // Of two racing takers, the second waits for the first's row lock, then
    // finds the lease held (unexpired) and changes nothing. The take is
    // recorded in the same statement (`previous` reads the row as it was).
    const bool changed = query_first_row(
        db.session(),
        std::string("WITH clock AS (SELECT ") + database_now_ms +
            " AS now_ms),"
            " previous AS (SELECT node, expires_at FROM pod_leases WHERE pod = :pod),"
            " taken AS (INSERT INTO pod_leases (pod, node, epoch, expires_at)"
            " VALUES (:pod, :node, 1, (SELECT now_ms FROM clock) + :ttl)"
            " ON CONFLICT (pod) DO UPDATE SET node = EXCLUDED.node, epoch = pod_leases.epoch + 1,"
            " expires_at = EXCLUDED.expires_at"
            " WHERE pod_leases.expires_at <= (SELECT now_ms FROM clock)"
            " RETURNING pod, node, epoch, expires_at),"
            " recorded AS (INSERT INTO pod_lease_takes"
            " (pod, node, epoch, previous_node, previous_expires_at, taken_at)"
            " SELECT taken.pod, taken.node, taken.epoch, previous.node, previous.expires_at,"
            " clock.now_ms FROM taken CROSS JOIN clock LEFT JOIN previous ON TRUE)"
            " SELECT epoch, expires_at FROM taken",
        soci::into(taken.epoch), soci::into(taken.expires_at), soci::use(pod), soci::use(pod),
        soci::use(node), soci::use(ttl_ms));
    return changed ? std::optional<pod_lease>{taken} : std::nullopt;
  });
}

result<std::vector<pod_lease_renewal>> renew_pod_leases(database& db, const std::string& node,
                                                        const std::vector<held_pod>& held,
                                                        std::int64_t ttl_ms) {
  const auto what = "renew the pod leases of " + node;
  if (auto valid = check_pod_lease_request(db, what, node, ttl_ms); !valid) return valid.failure();
  const std::string held_json = held_pods_json(held);
  return guarded("cannot " + what, [&] {
    std::string pod;
    std::int64_t epoch = 0;
    std::int64_t expires_at = 0;
    auto renew = prepare(
        db.session(),
        std::string("WITH clock AS (SELECT ") + database_now_ms +
            " AS now_ms)"
            " UPDATE pod_leases l SET expires_at = clock.now_ms + :ttl"
            " FROM clock, json_to_recordset(CAST(:held AS json)) AS h(pod text, epoch bigint)"
            " WHERE l.pod = h.pod AND l.epoch = h.epoch AND l.node = :node"
            " AND l.expires_at > clock.now_ms RETURNING l.pod, l.epoch, l.expires_at",
        soci::into(pod), soci::into(epoch), soci::into(expires_at), soci::use(ttl_ms),
        soci::use(held_json), soci::use(node));
    std::map<std::pair<std::string, std::int64_t>, std::int64_t> renewed;
    run_to_end(renew, [&] { renewed[{pod, epoch}] = expires_at; });
    std::vector<pod_lease_renewal> answers;
    for (const auto& lease : held) {
      const auto found = renewed.find({lease.pod, lease.epoch});
      answers.push_back(
          found == renewed.end()
              ? pod_lease_renewal{lease.pod, lease.epoch, lease_renewal::lost, 0}
              : pod_lease_renewal{lease.pod, lease.epoch, lease_renewal::renewed, found->second});
    }
    return answers;
  });
}

result<lease_renewal> renew_pod_lease(database& db, const std::string& pod, const std::string& node,
                                      std::int64_t epoch, std::int64_t ttl_ms) {
  auto answers = renew_pod_leases(db, node, {held_pod{pod, epoch}}, ttl_ms);
  if (!answers) return answers.failure();
  return answers->front().outcome;
}

result<bool> release_pod_lease(database& db, const std::string& pod, const std::string& node,
                               std::int64_t epoch) {
  const auto what = "release the lease of pod " + pod;
  if (auto refused = require_cluster_database(db, what); !refused) return refused.failure();
  const std::int64_t released = released_pod_lease_expiry;
  return guarded("cannot " + what, [&] {
    return execute(db.session(),
                   "UPDATE pod_leases SET expires_at = :released"
                   " WHERE pod = :pod AND node = :node AND epoch = :epoch",
                   soci::use(released), soci::use(pod), soci::use(node), soci::use(epoch)) > 0;
  });
}

result<std::vector<pod_lease>> list_pod_leases(database& db) {
  if (auto refused = require_cluster_database(db, "list the pod leases"); !refused) {
    return refused.failure();
  }
  return guarded("cannot list the pod leases", [&] {
    pod_lease row;
    int held = 0;
    auto select = prepare(db.session(),
                          std::string("SELECT pod, node, epoch, expires_at,"
                                      " CASE WHEN expires_at > ") +
                              database_now_ms + " THEN 1 ELSE 0 END FROM pod_leases ORDER BY pod",
                          soci::into(row.pod), soci::into(row.node), soci::into(row.epoch),
                          soci::into(row.expires_at), soci::into(held));
    std::vector<pod_lease> leases;
    run_to_end(select, [&] {
      row.held = held != 0;
      leases.push_back(row);
    });
    return leases;
  });
}

result<std::vector<pod_lease_take>> recent_pod_lease_takes(database& db, int limit) {
  if (auto refused = require_cluster_database(db, "list the pod lease takes"); !refused) {
    return refused.failure();
  }
  return guarded("cannot list the pod lease takes", [&] {
    pod_lease_take row;
    std::string previous_node;
    std::int64_t previous_expires_at = 0;
    soci::indicator previous_known = soci::i_ok;
    auto select = prepare(
        db.session(),
        "SELECT pod, node, epoch, COALESCE(previous_node, ''), previous_expires_at, taken_at"
        " FROM pod_lease_takes ORDER BY taken_at DESC, id DESC LIMIT :limit",
        soci::into(row.pod), soci::into(row.node), soci::into(row.epoch), soci::into(previous_node),
        soci::into(previous_expires_at, previous_known), soci::into(row.taken_at),
        soci::use(limit));
    std::vector<pod_lease_take> takes;
    run_to_end(select, [&] {
      row.previous_node = previous_node;
      row.previous_expires_at = previous_known == soci::i_null
                                    ? std::nullopt
                                    : std::optional<std::int64_t>(previous_expires_at);
      takes.push_back(row);
    });
    return takes;
  });
}

}  // namespace troupe::store
