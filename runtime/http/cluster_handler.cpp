// GET /api/cluster: the whole cluster as the shared database holds it, the
// same from any node: the nodes (live or gone, version, heartbeat) with the
// pods each holds, every pod lease with its epoch, the cluster-wide
// semaphore's permits in use, and the recent lease takes (hand-overs: from
// whom, released or expired). On SQLite (one node, no cluster) it answers
// {"cluster": false}. Open like the rest of the reads; runs on the query
// worker's thread.
#include "runtime/http/api_context.hpp"
#include "runtime/http/handler_support.hpp"
#include "runtime/http/json_views.hpp"
#include "runtime/store/cluster_nodes.hpp"
#include "runtime/store/cluster_permits.hpp"
#include "runtime/store/cluster_pod_leases.hpp"

namespace troupe::http {
namespace {

namespace json = boost::json;

constexpr int shown_takes = 50;

json::object node_json(const store::node_record& node,
                       const std::vector<store::pod_lease>& leases) {
  json::array pods;
  for (const auto& lease : leases) {
    if (lease.held && lease.node == node.id)
      pods.push_back({{"pod", lease.pod}, {"epoch", lease.epoch}});
  }
  return {{"id", node.id},
          {"address", node.address},
          {"version", node.version},
          {"live", node.live},
          {"started", iso_time(node.started)},
          {"heartbeat", iso_time(node.heartbeat)},
          {"pods", std::move(pods)}};
}

json::object lease_json(const store::pod_lease& lease) {
  return {{"pod", lease.pod},
          {"node", lease.node},
          {"epoch", lease.epoch},
          {"held", lease.held},
          {"expires_at", lease.expires_at == store::released_pod_lease_expiry
                             ? json::value(nullptr)
                             : json::value(iso_time(lease.expires_at))}};
}

json::object permit_json(const store::cluster_permit& permit) {
  return {{"slot", permit.slot},
          {"node", permit.node},
          {"pod", permit.pod},
          {"account_id", permit.account_id},
          {"granted_at", iso_time(permit.granted_at)},
          {"expires_at", iso_time(permit.expires_at)}};
}

// How the previous holder let go: "first" (no previous lease), "released"
// (a graceful hand-over) or "expired" (it stopped renewing).
const char* handed_how(const store::pod_lease_take& take) {
  if (!take.previous_expires_at) return "first";
  return *take.previous_expires_at == store::released_pod_lease_expiry ? "released" : "expired";
}

json::object take_json(const store::pod_lease_take& take) {
  return {{"pod", take.pod},
          {"node", take.node},
          {"epoch", take.epoch},
          {"from_node",
           take.previous_node.empty() ? json::value(nullptr) : json::value(take.previous_node)},
          {"from", handed_how(take)},
          {"taken_at", iso_time(take.taken_at)}};
}

response cluster_view(store::database& db, std::int64_t node_ttl_ms) {
  if (db.kind() != store::backend::postgresql)
    return json_response(200, json::object{{"cluster", false}});
  auto nodes = store::list_nodes(db, node_ttl_ms);
  if (!nodes) return error_response(503, nodes.failure().message);
  auto leases = store::list_pod_leases(db);
  if (!leases) return error_response(503, leases.failure().message);
  auto permits = store::load_cluster_permits(db);
  if (!permits) return error_response(503, permits.failure().message);
  auto takes = store::recent_pod_lease_takes(db, shown_takes);
  if (!takes) return error_response(503, takes.failure().message);
  json::array node_rows;
  for (const auto& node : *nodes) node_rows.push_back(node_json(node, *leases));
  return json_response(
      200, json::object{{"cluster", true},
                        {"nodes", std::move(node_rows)},
                        {"leases", array_of(*leases, lease_json)},
                        {"permits", json::object{{"capacity", permits->capacity},
                                                 {"in_use", permits->held.size()},
                                                 {"waiting", permits->waiting},
                                                 {"held", array_of(permits->held, permit_json)}}},
                        {"takes", array_of(*takes, take_json)}});
}

}  // namespace

void add_cluster_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/cluster",
             on_store(context, [context](store::database& db, const request&, std::int64_t) {
               return cluster_view(db, context->reloader.current()->cluster.lease_ttl_ms);
             }));
}

}  // namespace troupe::http
