// Nodes, pod leases and fenced writes on a real PostgreSQL.
#include <soci/soci.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "runtime/store/cluster_fence.hpp"
#include "runtime/store/cluster_nodes.hpp"
#include "runtime/store/cluster_pod_leases.hpp"
#include "runtime/store/sessions.hpp"
#include "tests/cluster/cluster_database.hpp"

using namespace std::chrono_literals;
using namespace troupe::store;
using troupe::store::testing::connect;
using troupe::store::testing::database_now;
using troupe::store::testing::eventually;
using troupe::store::testing::long_ttl_ms;
using troupe::store::testing::migrated_database;
using troupe::store::testing::postgresql_configured;

namespace {

pod_lease taken(database& db, const std::string& pod, const std::string& node,
                std::int64_t ttl_ms) {
  auto lease = take_pod_lease(db, pod, node, ttl_ms);
  REQUIRE_OK(lease);
  REQUIRE(lease->has_value());
  return **lease;
}

bool is_held(database& db, const std::string& pod, const std::string& node) {
  auto lease = take_pod_lease(db, pod, node, long_ttl_ms);
  REQUIRE_OK(lease);
  return !lease->has_value();
}

session_record session_of(const std::string& id, const std::string& pod) {
  session_record session;
  session.session_id = id;
  session.account_id = "acct-1";
  session.pod = pod;
  session.activity = "follow";
  session.started_at_ms = 1000;
  return session;
}

fenced_write fenced_insert(database& db, const std::string& id, const pod_lease& lease) {
  auto written = write_fenced(db, {lease.pod, lease.node, lease.epoch},
                              [&] { return insert_session(db, session_of(id, lease.pod)); });
  REQUIRE_OK(written);
  return *written;
}

bool session_exists(database& db, const std::string& id) {
  auto loaded = load_session(db, id);
  REQUIRE_OK(loaded);
  return loaded->has_value();
}

}  // namespace

TEST_CASE("a registered node is live until its heartbeat is older than the node TTL") {
  if (!postgresql_configured()) return;
  migrated_database store(backend::postgresql);
  const auto before = database_now(store.db());
  auto node = register_node(store.db(), "node-a", "10.0.0.1:8080", "0.1.0");
  REQUIRE_OK(node);
  CHECK(node->started >= before);
  CHECK(node->heartbeat == node->started);
  auto live = live_nodes(store.db(), 400);
  REQUIRE_OK(live);
  REQUIRE(live->size() == 1);
  CHECK(live->front().id == "node-a");
  CHECK(live->front().address == "10.0.0.1:8080");
  CHECK(live->front().version == "0.1.0");
  CHECK(eventually([&] { return live_nodes(store.db(), 400)->empty(); }));
  auto listed = list_nodes(store.db(), 400);
  REQUIRE_OK(listed);
  REQUIRE(listed->size() == 1);
  CHECK_FALSE(listed->front().live);
  auto beat = heartbeat_node(store.db(), "node-a");
  REQUIRE_OK(beat);
  CHECK(*beat);
  CHECK(live_nodes(store.db(), 400)->size() == 1);
  CHECK_FALSE(*heartbeat_node(store.db(), "node-unknown"));
}

TEST_CASE("taking a pod lease increments its epoch and a held lease cannot be taken") {
  if (!postgresql_configured()) return;
  migrated_database store(backend::postgresql);
  const auto before = database_now(store.db());
  const auto first = taken(store.db(), "pod-1", "node-a", 400);
  const auto after = database_now(store.db());
  CHECK(first.epoch == 1);
  // Dated by the database's clock, at the take.
  CHECK(first.expires_at >= before + 400);
  CHECK(first.expires_at <= after + 400);
  CHECK(is_held(store.db(), "pod-1", "node-b"));
  CHECK(is_held(store.db(), "pod-1", "node-a"));  // its holder renews, it does not take again
  CHECK(eventually([&] { return !is_held(store.db(), "pod-1", "node-a"); }));
  // The failed attempts changed nothing; the successful one above took epoch 2.
  auto leases = list_pod_leases(store.db());
  REQUIRE_OK(leases);
  REQUIRE(leases->size() == 1);
  CHECK(leases->front().epoch == 2);
  CHECK(leases->front().held);
}

TEST_CASE("a renewal by a node that lost its lease fails and says so") {
  if (!postgresql_configured()) return;
  migrated_database store(backend::postgresql);
  auto other_node = connect(store);
  const auto lease = taken(store.db(), "pod-1", "node-a", 400);
  auto renewed = renew_pod_lease(store.db(), "pod-1", "node-a", lease.epoch, 400);
  REQUIRE_OK(renewed);
  CHECK(*renewed == lease_renewal::renewed);
  CHECK(*renew_pod_lease(store.db(), "pod-1", "node-b", lease.epoch, 400) == lease_renewal::lost);
  CHECK(*renew_pod_lease(store.db(), "pod-1", "node-a", lease.epoch + 1, 400) ==
        lease_renewal::lost);

  // Expired: lost even though nobody took it yet.
  std::this_thread::sleep_for(450ms);
  CHECK(*renew_pod_lease(store.db(), "pod-1", "node-a", lease.epoch, 400) == lease_renewal::lost);
  const auto successor = taken(other_node, "pod-1", "node-b", long_ttl_ms);
  CHECK(successor.epoch == lease.epoch + 1);
  CHECK(*renew_pod_lease(store.db(), "pod-1", "node-a", lease.epoch, long_ttl_ms) ==
        lease_renewal::lost);
  CHECK(*renew_pod_lease(other_node, "pod-1", "node-b", successor.epoch, long_ttl_ms) ==
        lease_renewal::renewed);
  auto leases = list_pod_leases(store.db());
  REQUIRE_OK(leases);
  CHECK(leases->front().node == "node-b");
}

TEST_CASE("a node renews all its pod leases in one call and learns which it lost") {
  if (!postgresql_configured()) return;
  migrated_database store(backend::postgresql);
  const auto kept = taken(store.db(), "pod-1", "node-a", long_ttl_ms);
  const auto lost = taken(store.db(), "pod-2", "node-a", long_ttl_ms);
  REQUIRE_OK(release_pod_lease(store.db(), "pod-2", "node-a", lost.epoch));
  taken(store.db(), "pod-2", "node-b", long_ttl_ms);
  auto renewals =
      renew_pod_leases(store.db(), "node-a",
                       {{"pod-1", kept.epoch}, {"pod-2", lost.epoch}, {"pod-3", 1}}, long_ttl_ms);
  REQUIRE_OK(renewals);
  REQUIRE(renewals->size() == 3);
  CHECK((*renewals)[0].pod == "pod-1");
  CHECK((*renewals)[0].outcome == lease_renewal::renewed);
  CHECK((*renewals)[0].expires_at >= kept.expires_at);
  CHECK((*renewals)[1].outcome == lease_renewal::lost);
  CHECK((*renewals)[2].outcome == lease_renewal::lost);
}

TEST_CASE("a released pod lease is taken by another node at once with the next epoch") {
  if (!postgresql_configured()) return;
  migrated_database store(backend::postgresql);
  const auto lease = taken(store.db(), "pod-1", "node-a", long_ttl_ms);
  CHECK_FALSE(*release_pod_lease(store.db(), "pod-1", "node-b", lease.epoch));
  CHECK_FALSE(*release_pod_lease(store.db(), "pod-1", "node-a", lease.epoch + 1));
  CHECK(is_held(store.db(), "pod-1", "node-b"));
  auto released = release_pod_lease(store.db(), "pod-1", "node-a", lease.epoch);
  REQUIRE_OK(released);
  CHECK(*released);
  const auto successor = taken(store.db(), "pod-1", "node-b", long_ttl_ms);
  CHECK(successor.epoch == 2);
  // The old holder's release of its old epoch no longer touches the lease.
  CHECK_FALSE(*release_pod_lease(store.db(), "pod-1", "node-a", lease.epoch));
  CHECK(is_held(store.db(), "pod-1", "node-a"));
}

TEST_CASE("a node leaving the cluster hands its pods over at once") {
  if (!postgresql_configured()) return;
  migrated_database store(backend::postgresql);
  REQUIRE_OK(register_node(store.db(), "node-a", "", "0.1.0"));
  REQUIRE_OK(register_node(store.db(), "node-b", "", "0.1.0"));
  taken(store.db(), "pod-1", "node-a", long_ttl_ms);
  taken(store.db(), "pod-2", "node-a", long_ttl_ms);
  taken(store.db(), "pod-3", "node-b", long_ttl_ms);
  auto left = leave_cluster(store.db(), "node-a");
  REQUIRE_OK(left);
  CHECK(*left == 2);
  auto live = live_nodes(store.db(), long_ttl_ms);
  REQUIRE_OK(live);
  REQUIRE(live->size() == 1);
  CHECK(live->front().id == "node-b");
  CHECK(taken(store.db(), "pod-1", "node-b", long_ttl_ms).epoch == 2);
  CHECK(taken(store.db(), "pod-2", "node-b", long_ttl_ms).epoch == 2);
  CHECK(is_held(store.db(), "pod-3", "node-a"));
}

TEST_CASE("nodes racing for the same pods never both get one") {
  if (!postgresql_configured()) return;
  migrated_database store(backend::postgresql);
  constexpr int nodes = 4;
  constexpr int pods = 40;
  std::vector<database> connections;
  for (int i = 0; i < nodes; ++i) connections.push_back(connect(store));
  std::mutex guard;
  std::map<std::string, std::vector<std::string>> takers;  // pod -> nodes that took it
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int n = 0; n < nodes; ++n) {
    threads.emplace_back([&, n] {
      const std::string node = "node-" + std::to_string(n);
      for (int p = 0; p < pods; ++p) {
        const std::string pod = "pod-" + std::to_string((p + n * 7) % pods);
        auto lease = take_pod_lease(connections[n], pod, node, long_ttl_ms);
        const std::lock_guard<std::mutex> lock(guard);
        if (!lease)
          failures.push_back(lease.failure().message);
        else if (lease->has_value())
          takers[pod].push_back(node);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures.empty());
  CHECK(takers.size() == pods);
  for (const auto& [pod, nodes_that_took] : takers) {
    INFO(pod);
    CHECK(nodes_that_took.size() == 1);
  }
  auto leases = list_pod_leases(store.db());
  REQUIRE_OK(leases);
  for (const auto& lease : *leases) CHECK(lease.epoch == 1);
}

TEST_CASE("a node that lost its pod lease cannot write the pod's sessions") {
  if (!postgresql_configured()) return;
  migrated_database store(backend::postgresql);
  auto other_node = connect(store);
  const auto lease = taken(store.db(), "pod-1", "node-a", 400);
  CHECK(fenced_insert(store.db(), "s-1", lease) == fenced_write::written);
  CHECK(session_exists(store.db(), "s-1"));

  // Expired, not yet taken: the holder's writes are refused already.
  std::this_thread::sleep_for(450ms);
  CHECK(fenced_insert(store.db(), "s-2", lease) == fenced_write::stale_lease);

  // Taken by another node: the old epoch stays refused, the new one writes.
  const auto successor = taken(other_node, "pod-1", "node-b", long_ttl_ms);
  CHECK(fenced_insert(store.db(), "s-3", lease) == fenced_write::stale_lease);
  CHECK(fenced_insert(other_node, "s-4", successor) == fenced_write::written);
  // Right node, wrong epoch: a node that took the pod again must use its new epoch.
  auto stale_epoch = successor;
  stale_epoch.epoch = lease.epoch;
  CHECK(fenced_insert(other_node, "s-5", stale_epoch) == fenced_write::stale_lease);
  CHECK_FALSE(session_exists(store.db(), "s-2"));
  CHECK_FALSE(session_exists(store.db(), "s-3"));
  CHECK(session_exists(store.db(), "s-4"));
  CHECK_FALSE(session_exists(store.db(), "s-5"));
}

TEST_CASE("a take of an expired lease waits for the fenced write in flight to commit") {
  if (!postgresql_configured()) return;
  migrated_database store(backend::postgresql);
  auto other_node = connect(store);
  const auto lease = taken(store.db(), "pod-1", "node-a", 400);
  std::atomic<bool> taken_over{false};
  std::optional<pod_lease> successor;
  std::thread taker;
  auto written =
      write_fenced(store.db(), {lease.pod, lease.node, lease.epoch}, [&]() -> troupe::status {
        if (auto inserted = insert_session(store.db(), session_of("s-1", "pod-1")); !inserted)
          return inserted;
        std::this_thread::sleep_for(450ms);  // the lease expires while the write is uncommitted
        taker = std::thread([&] {
          auto took = take_pod_lease(other_node, "pod-1", "node-b", long_ttl_ms);
          if (took) successor = *took;
          taken_over = true;
        });
        std::this_thread::sleep_for(200ms);
        CHECK_FALSE(taken_over);  // blocked by the write's lock on the lease row
        return {};
      });
  taker.join();
  REQUIRE_OK(written);
  CHECK(*written == fenced_write::written);
  REQUIRE(successor.has_value());
  CHECK(successor->epoch == lease.epoch + 1);
  CHECK(session_exists(store.db(), "s-1"));
}

TEST_CASE("a node stalled inside a fenced write holds its pod back only until the database ends its transaction") {
  if (!postgresql_configured()) return;
  migrated_database store(backend::postgresql);
  auto stalled = connect(store);  // a node cut off (or paused) mid-write
  const auto lease = taken(store.db(), "pod-1", "node-a", 400);
  stalled.session().begin();
  auto locked = lock_pod_fence(stalled, {lease.pod, lease.node, lease.epoch});
  REQUIRE_OK(locked);
  REQUIRE(*locked);
  // It never commits: its lease expires, and node-b's take waits on the row it locked.
  const auto started = std::chrono::steady_clock::now();
  std::optional<pod_lease> successor;
  CHECK(eventually(
      [&] {
        auto took = take_pod_lease(store.db(), "pod-1", "node-b", long_ttl_ms);
        if (took && took->has_value()) successor = **took;
        return successor.has_value();
      },
      25s));  // the server's 10 s idle-in-transaction limit, with room for a loaded machine
  const auto held_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  WARN("the stalled write's lock was gone after " << held_ms << " ms");
  REQUIRE(successor.has_value());
  CHECK(held_ms >= 9000);  // its lock held the pod back until the server ended it
  CHECK(successor->epoch == lease.epoch + 1);
  // When the stalled node wakes up, its transaction is gone: nothing it wrote commits.
  CHECK_THROWS(stalled.session().commit());
}

TEST_CASE("fenced writes that fail are rolled back together") {
  if (!postgresql_configured()) return;
  migrated_database store(backend::postgresql);
  const auto lease = taken(store.db(), "pod-1", "node-a", long_ttl_ms);
  auto written =
      write_fenced(store.db(), {lease.pod, lease.node, lease.epoch}, [&]() -> troupe::status {
        if (auto inserted = insert_session(store.db(), session_of("s-1", "pod-1")); !inserted)
          return inserted;
        return insert_session(store.db(), session_of("s-1", "pod-1"));  // the same id again
      });
  CHECK_FALSE(written.ok());
  CHECK_FALSE(session_exists(store.db(), "s-1"));
  // The connection is usable afterwards, outside any transaction.
  CHECK(fenced_insert(store.db(), "s-2", lease) == fenced_write::written);
  auto reader = connect(store);
  CHECK(session_exists(reader, "s-2"));
}

TEST_CASE("the cluster functions refuse SQLite with a clear error") {
  migrated_database store(backend::sqlite);
  const auto refused = [](const auto& outcome) {
    REQUIRE_FALSE(outcome.ok());
    INFO(outcome.failure().message);
    CHECK(outcome.failure().message.find("cluster mode needs PostgreSQL") == 0);
  };
  refused(register_node(store.db(), "node-a", "", ""));
  refused(heartbeat_node(store.db(), "node-a"));
  refused(live_nodes(store.db(), 1000));
  refused(leave_cluster(store.db(), "node-a"));
  refused(take_pod_lease(store.db(), "pod-1", "node-a", 1000));
  refused(renew_pod_lease(store.db(), "pod-1", "node-a", 1, 1000));
  refused(release_pod_lease(store.db(), "pod-1", "node-a", 1));
  refused(list_pod_leases(store.db()));
  refused(lock_pod_fence(store.db(), {"pod-1", "node-a", 1}));
}
