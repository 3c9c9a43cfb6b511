// Three `troupe run --cluster` nodes, each in a network namespace of its
// own, reaching one PostgreSQL over veth pairs the test makes: every pod
// runs on the node placement gives it; a node killed with SIGKILL has its
// pods run elsewhere within the lease TTL; a node whose link is cut stops
// its sessions' drivers before its leases expire, and once the link is back
// its stale writes are refused. Checked afterwards from the drivers' own
// ledger: no account ever ran two sessions at once, and the cluster never
// ran more than `concurrency`. Needs root (ip netns), as CI and tools/test have.
#include <soci/soci.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "runtime/store/migrations.hpp"
#include "runtime/store/statements.hpp"
#include "runtime/system_clock.hpp"
#include "tests/cluster/cluster_database.hpp"
#include "tests/cluster/network_namespaces.hpp"
#include "tests/cluster/node_processes.hpp"
#include "tests/support/tcp_proxy.hpp"

using namespace std::chrono_literals;
using namespace troupe::testing;
namespace store = troupe::store;

namespace {

constexpr int partition_concurrency = 2;
constexpr std::int64_t partition_ttl_ms = 6000;
constexpr std::int64_t partition_heartbeat_ms = 500;
constexpr int database_port = 5432;
const std::vector<std::string> partition_nodes{"node-a", "node-b", "node-c"};

// `url` with its host and port replaced by `address`:`port`.
std::string through(std::string url, const std::string& address, int port) {
  const auto at = url.find('@');
  const auto slash = url.find('/', at);
  url.replace(at + 1, slash - at - 1, address + ":" + std::to_string(port));
  return url;
}

// The latest expiry (the database's clock, epoch ms) of `node`'s leases.
std::int64_t latest_expiry(store::database& db, const std::string& node) {
  std::int64_t latest = 0;
  auto leases = store::list_pod_leases(db);
  if (leases) {
    for (const auto& lease : *leases) {
      if (lease.node == node) latest = std::max(latest, lease.expires_at);
    }
  }
  return latest;
}

// Whether process `pid` has a living child (a driver) now: one that ended
// but is not reaped yet counts as gone.
bool has_children(pid_t pid) {
  const std::string parent = std::to_string(pid);
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto stat = read_text(entry.path().string() + "/stat");
    const auto close = stat.rfind(')');  // "pid (comm) state ppid ..."
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string state, ppid;
    fields >> state >> ppid;
    if (ppid == parent && state != "Z") return true;
  }
  return false;
}

class cluster_of_three {
 public:
  cluster_of_three() : net_(static_cast<int>(partition_nodes.size())) {
    {
      auto db = store::database::open(schema_.url());
      REQUIRE(db.ok());
      REQUIRE(store::migrate(*db).ok());
    }
    const std::string host = std::getenv("PGHOST");
    const std::string port = std::getenv("PGPORT") ? std::getenv("PGPORT") : "5432";
    proxy_ = std::make_unique<troupe::testing::tcp_proxy>(
        host, port, net_.listen_in_database_namespace(database_port));
    std::filesystem::create_directories(dir_.file("ledger"));
    common_ = dir_.write("troupe.yaml", shared_node_config(dir_, pods_, partition_concurrency,
                                                           "0.05", partition_concurrency));
    for (std::size_t node = 0; node < partition_nodes.size(); ++node) start(static_cast<int>(node));
  }

  void start(int node) {
    const auto& id = partition_nodes[static_cast<std::size_t>(node)];
    const auto url = through(schema_.url(), net_.database_address(node), database_port);
    const auto overlay = dir_.write(
        id + ".yaml", node_overlay(dir_, id, partition_ttl_ms, partition_heartbeat_ms, 1500, url));
    nodes_[id] = std::make_unique<child>(
        net_.inside(node, {TROUPE_BINARY, "run", "--cluster", "--driver", SIM_DRIVER_BINARY,
                           "--http", "127.0.0.1:0", "--config", common_, "--config", overlay}),
        dir_.file(id + "-output.txt"), dir_.path().string());
    if (!nodes_[id]->wait_for_output("running until SIGINT or SIGTERM", 30s))
      FAIL("node " << id << " did not start:\n" << nodes_[id]->output());
  }

  const std::vector<std::string> pods_ = pod_names(8);
  store::testing::temporary_schema schema_;
  network_namespaces net_;
  std::unique_ptr<troupe::testing::tcp_proxy> proxy_;
  temp_dir dir_;
  std::string common_;
  std::map<std::string, std::unique_ptr<child>> nodes_;
};

struct session_span {
  std::string account;
  std::int64_t started = 0;
  std::int64_t ended = 0;
};

// The sessions table's ended sessions.
std::vector<session_span> ended_sessions(store::database& db) {
  std::vector<session_span> spans;
  session_span row;
  auto select =
      store::prepare(db.session(),
                     "SELECT account_id, started_at_ms, ended_at_ms FROM sessions"
                     " WHERE ended_at_ms IS NOT NULL ORDER BY started_at_ms",
                     soci::into(row.account), soci::into(row.started), soci::into(row.ended));
  store::run_to_end(select, [&] { spans.push_back(row); });
  return spans;
}

// The most sessions that ran at once, all accounts or per account.
int most_at_once(const std::vector<session_span>& spans, bool per_account) {
  std::map<std::string, std::vector<std::pair<std::int64_t, int>>> edges;
  for (const auto& span : spans) {
    auto& list = edges[per_account ? span.account : ""];
    list.emplace_back(span.started, 1);
    list.emplace_back(span.ended, -1);  // an end sorts before a start at the same instant
  }
  int most = 0;
  for (auto& [key, list] : edges) {
    std::sort(list.begin(), list.end());
    int running = 0;
    for (const auto& edge : list) most = std::max(most, running += edge.second);
  }
  return most;
}

bool running_as_root() { return ::geteuid() == 0; }

}  // namespace

TEST_CASE("a cluster of three nodes in network namespaces survives a killed node and a cut link",
          "[heavy]") {
  if (!store::testing::postgresql_configured()) return;  // test_backends() said why
  if (!running_as_root()) {
    if (std::getenv("TROUPE_REQUIRE_POSTGRESQL") != nullptr) FAIL("ip netns needs root");
    WARN("skipped: ip netns needs root");
    return;
  }
  cluster_of_three cluster;
  auto& nodes = cluster.nodes_;
  const auto& dir = cluster.dir_;
  const auto& pods = cluster.pods_;
  auto opened = store::database::open(cluster.schema_.url());
  REQUIRE(opened.ok());
  auto& db = *opened;

  // Every pod runs on the node placement gives it.
  REQUIRE(store::testing::eventually(
      [&] { return lease_holders(db) == placed_over(pods, partition_nodes); }, 30s));
  REQUIRE(store::testing::eventually([&] { return pods_ran_since(dir, 0, pods); }, 60s));

  // SIGKILL node-b: its pods run elsewhere within the lease TTL (and a heartbeat to notice).
  const auto killed_at = std::chrono::steady_clock::now();
  nodes["node-b"]->signal(SIGKILL);
  REQUIRE(nodes["node-b"]->wait(10s));
  REQUIRE(store::testing::eventually(
      [&] {
        return lease_holders(db) == placed_over(pods, {"node-a", "node-c"});
      },
      30s));
  const auto moved_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - killed_at)
                            .count();
  WARN("SIGKILL: pods taken over after " << moved_ms << " ms (lease TTL " << partition_ttl_ms
                                         << " ms)");
  CHECK(moved_ms <= partition_ttl_ms + 3 * partition_heartbeat_ms + starved_node_ms);
  const auto after_kill = ledger_sessions(dir);
  REQUIRE(store::testing::eventually([&] { return pods_ran_since(dir, after_kill, pods); }, 60s));

  // Cut node-c's link while one of its drivers runs: it stops its drivers and
  // pods before its leases expire. The stopped session's end is a write that
  // waits for the link under the old lease (a node idle at the cut may have
  // nothing to write, and nothing to refuse).
  const auto c_pods = pods_held_by(lease_holders(db), "node-c");
  REQUIRE_FALSE(c_pods.empty());
  const pid_t c_pid = nodes["node-c"]->pid();
  REQUIRE(store::testing::eventually([&] { return has_children(c_pid); }, 30s));
  cluster.net_.cut_link(2);
  const auto cut_at = std::chrono::steady_clock::now();
  const auto expiry_ms = latest_expiry(db, "node-c");  // it renews nothing more
  const auto c_log = dir.file("node-c.log");
  const bool stopped = store::testing::eventually(
      [&] {
        const auto log = read_text(c_log);
        const bool all_stopped =
            std::all_of(c_pods.begin(), c_pods.end(), [&](const std::string& pod) {
              return log.find("the lease of pod " + pod + " ") != std::string::npos;
            });
        return all_stopped && !has_children(c_pid);
      },
      std::chrono::milliseconds(partition_ttl_ms + 5000));
  const auto stopped_ms = troupe::system_now_ms();
  {
    INFO("node-c's log ends:\n" << tail_of(c_log));
    REQUIRE(stopped);
  }
  WARN("cut link: node-c's drivers gone " << (expiry_ms - stopped_ms)
                                          << " ms before its leases expired");
  CHECK(stopped_ms < expiry_ms);
  // node-a takes node-c's pods once the leases expired, and once the database
  // ended any write node-c was cut off in the middle of (it locks its lease row
  // until then: 10 s idle in its transaction).
  REQUIRE(store::testing::eventually(
      [&] { return lease_holders(db) == placed_over(pods, {"node-a"}); }, 60s));
  WARN("cut link: node-a held node-c's pods "
       << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - cut_at).count()
       << " ms after the cut");

  // The link returns: node-c's writes under its old leases are refused, and it rejoins. Its
  // connections broke during the cut (tcp_user_timeout, keepalives) and it connects again
  // at its next attempt.
  cluster.net_.restore_link(2);
  const auto returned_at = troupe::system_now_ms();
  const bool refused = store::testing::eventually(
      [&] { return read_text(c_log).find("stale lease") != std::string::npos; }, 90s);
  {
    INFO("the link returned at " << returned_at << " ms; node-c's log ends:\n" << tail_of(c_log));
    CHECK(refused);
  }
  REQUIRE(store::testing::eventually(
      [&] {
        return lease_holders(db) == placed_over(pods, {"node-a", "node-c"});
      },
      30s));
  const auto after_return = ledger_sessions(dir);
  REQUIRE(store::testing::eventually([&] { return pods_ran_since(dir, after_return, pods); }, 60s));

  for (const auto* id : {"node-a", "node-c"}) nodes[id]->signal(SIGTERM);
  for (const std::string id : {"node-a", "node-c"}) {
    // Under the sanitizers a node once ended otherwise: say how, and what it printed last.
    const auto status = nodes[id]->wait(60s);
    INFO(id << (status ? " exited with " + std::to_string(*status) : std::string(" was still running"))
            << "; its output ends:\n" << tail_of(dir.file(id + "-output.txt")));
    CHECK(status == 0);
  }
  // From the drivers' side: never two sessions of one account, never more than `concurrency`.
  const auto violations = ledger_violations(dir);
  INFO(violations);
  CHECK(violations.empty());
  WARN("sessions run: " << ledger_sessions(dir));
  // And from the sessions table (every session written, node-c's refused ones aside).
  const auto spans = ended_sessions(db);
  CHECK(spans.size() > pods.size());
  CHECK(most_at_once(spans, true) == 1);
  CHECK(most_at_once(spans, false) <= partition_concurrency);
}
