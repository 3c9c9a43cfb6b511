#include "runtime/cli/cluster_commands.hpp"

#include <iostream>
#include <map>

#include "runtime/cli/effective_config.hpp"
#include "runtime/cli/exit_codes.hpp"
#include "runtime/cli/store_access.hpp"
#include "runtime/cli/table.hpp"
#include "runtime/host_name.hpp"
#include "runtime/logging.hpp"
#include "runtime/store/cluster_nodes.hpp"
#include "runtime/store/cluster_pod_leases.hpp"
#include "runtime/system_clock.hpp"

namespace troupe::cli {
namespace {

constexpr const char* sqlite_refusal =
    "cluster mode needs PostgreSQL (db.url postgresql://...): nodes coordinate through its row "
    "locks and its clock; on SQLite run one node without --cluster";

std::string age_of(std::int64_t then_ms, std::int64_t now_ms) {
  if (then_ms <= 0) return "-";
  return std::to_string(std::max<std::int64_t>(now_ms - then_ms, 0) / 1000) + " s ago";
}

}  // namespace

result<std::optional<cluster::node_settings>> cluster_settings_for_run(
    const command_line& line, const config::troupe_config& config) {
  if (!line.run.cluster) return std::optional<cluster::node_settings>{};
  auto location = store::parse_database_url(config.db.url);
  if (!location) return location.failure();
  if (location->kind != store::backend::postgresql) return error{sqlite_refusal};
  cluster::node_settings settings;
  settings.url = config.db.url;
  settings.busy_timeout_ms = config.db.busy_timeout_ms;
  settings.node_id = config.cluster.node_id.empty() ? host_name() : config.cluster.node_id;
  settings.address = config.http.address + ":" + std::to_string(config.http.port);
  settings.version = TROUPE_VERSION;
  // The drivers of a pod whose lease is no longer trusted get SIGTERM, and
  // SIGKILL after killGraceMs: stopping starts that much earlier, so they
  // are gone marginMs before the lease may expire.
  settings.timing = {
      std::chrono::milliseconds(config.cluster.lease_ttl_ms),
      std::chrono::milliseconds(config.cluster.margin_ms + config.drivers.kill_grace_ms),
      std::chrono::milliseconds(config.cluster.heartbeat_ms)};
  if (auto timing = cluster::check_lease_timing(settings.timing); !timing) {
    return error{
        "cluster: " + timing.failure().message +
        " (the margin is cluster.marginMs plus drivers.killGraceMs; raise cluster.leaseTtlMs)"};
  }
  settings.max_pods_per_node = config.cluster.max_pods_per_node;
  settings.pod_filter = line.run.pods;
  return std::optional<cluster::node_settings>{std::move(settings)};
}

int nodes_command(const command_line& line) {
  auto config = load_effective_config(line.common);
  if (!config) return exit_bad_input;
  configure_console_logging((*config)->log.level);
  auto db = open_configured(**config);
  if (!db) return exit_failure;
  if (db->kind() != store::backend::postgresql) {
    std::cerr << "troupe nodes: " << sqlite_refusal << "\n";
    return exit_bad_input;
  }
  auto nodes = store::list_nodes(*db, (*config)->cluster.lease_ttl_ms);
  auto leases = store::list_pod_leases(*db);
  if (!nodes || !leases) {
    std::cerr << (nodes ? leases.failure().message : nodes.failure().message) << "\n";
    return exit_failure;
  }
  std::map<std::string, std::string> pods_of_node;
  for (const auto& lease : *leases) {
    if (!lease.held) continue;
    auto& pods = pods_of_node[lease.node];
    pods += (pods.empty() ? "" : " ") + lease.pod + "@" + std::to_string(lease.epoch);
  }
  const auto now = system_now_ms();
  std::vector<table_row> rows;
  for (const auto& node : *nodes) {
    rows.push_back({node.id, node.live ? "live" : "gone", node.address, node.version,
                    age_of(node.heartbeat, now), age_of(node.started, now), pods_of_node[node.id]});
  }
  std::cout << format_table(
      {{"NODE"}, {"STATE"}, {"ADDRESS"}, {"VERSION"}, {"HEARTBEAT"}, {"STARTED"}, {"PODS@EPOCH"}},
      rows);
  return exit_ok;
}

}  // namespace troupe::cli
