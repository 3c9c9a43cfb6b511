// The store actor's write-behind under a pod lease, on a real PostgreSQL:
// a pod's pending records (account state, session, events, summary) go out
// together while its lease is held; once another node took the pod they
// are refused and dropped, none written; a failed write keeps them all.
#include <thread>

#include "runtime/store/accounts.hpp"
#include "runtime/store/cluster_pod_leases.hpp"
#include "runtime/store/statements.hpp"
#include "runtime/write_behind.hpp"
#include "tests/cluster/cluster_database.hpp"

using namespace std::chrono_literals;
using namespace troupe;
using namespace troupe::store;
using troupe::store::testing::connect;
using troupe::store::testing::long_ttl_ms;
using troupe::store::testing::migrated_database;
using troupe::store::testing::postgresql_configured;

namespace {

constexpr const char* day = "2026-12-07";

// One of each record a session of account `account` of pod-1 makes.
void add_session_records(write_behind& pending, const std::string& account,
                         const std::string& session_id, std::int64_t at_ms) {
  account_state state;
  state.account_id = account;
  state.pod = "pod-1";
  state.day = day;
  state.updated_at_ms = at_ms;
  pending.add(state);
  session_record session;
  session.session_id = session_id;
  session.account_id = account;
  session.pod = "pod-1";
  session.activity = "follow";
  session.started_at_ms = at_ms;
  pending.add(session);
  runner_event event;
  event.at_ms = at_ms;
  event.kind = "start";
  event.pod = "pod-1";
  event.account_id = account;
  pending.add(event);
  runner_summary delta;
  delta.account_id = account;
  delta.day = day;
  delta.pod = "pod-1";
  delta.sessions = 1;
  pending.add(delta);
}

std::int64_t count_rows(database& db, const std::string& table) {
  std::int64_t rows = 0;
  query_first_row(db.session(), "SELECT COUNT(*) FROM " + table, soci::into(rows));
  return rows;
}

pod_fence fence_of(const pod_lease& lease) { return {lease.pod, lease.node, lease.epoch}; }

pod_lease taken(database& db, const std::string& node, std::int64_t ttl_ms) {
  auto lease = take_pod_lease(db, "pod-1", node, ttl_ms);
  REQUIRE(lease.ok());
  REQUIRE(lease->has_value());
  return **lease;
}

}  // namespace

TEST_CASE(
    "a pod's pending records go out together under its lease and are refused once another node "
    "took it") {
  if (!postgresql_configured()) return;
  migrated_database store(backend::postgresql);
  const auto lease = taken(store.db(), "node-a", 400);
  write_behind pending;
  add_session_records(pending, "acct-1", "s-1", 1000);
  auto written = pending.flush_fenced(store.db(), fence_of(lease));
  REQUIRE(written.ok());
  CHECK(*written == fenced_write::written);
  CHECK(pending.pending() == 0);
  for (const char* table : {"accounts", "sessions", "runner_events", "runner_summaries"}) {
    INFO(table);
    CHECK(count_rows(store.db(), table) == 1);
  }

  // Partitioned past its lease: another node took the pod meanwhile.
  add_session_records(pending, "acct-2", "s-2", 2000);
  std::this_thread::sleep_for(450ms);
  auto other_node = connect(store);
  const auto successor = taken(other_node, "node-b", long_ttl_ms);
  auto refused = pending.flush_fenced(store.db(), fence_of(lease));
  REQUIRE(refused.ok());
  CHECK(*refused == fenced_write::stale_lease);
  CHECK(pending.pending() == 0);  // dropped: the pod's rows are the new holder's now
  for (const char* table : {"accounts", "sessions", "runner_events", "runner_summaries"}) {
    INFO(table);
    CHECK(count_rows(store.db(), table) == 1);
  }

  // The new holder writes under its own lease.
  add_session_records(pending, "acct-2", "s-2", 3000);
  auto by_successor = pending.flush_fenced(other_node, fence_of(successor));
  REQUIRE(by_successor.ok());
  CHECK(*by_successor == fenced_write::written);
  CHECK(count_rows(store.db(), "sessions") == 2);
}

TEST_CASE("a failed fenced write keeps every pending record and writes them all later") {
  if (!postgresql_configured()) return;
  migrated_database store(backend::postgresql);
  const auto lease = taken(store.db(), "node-a", long_ttl_ms);
  write_behind pending;
  add_session_records(pending, "acct-1", "s-1", 1000);
  const auto waiting = pending.pending();
  // Sessions and accounts are written before events: the failure comes after them.
  execute(store.db().session(), "ALTER TABLE runner_events RENAME TO runner_events_away");
  CHECK_FALSE(pending.flush_fenced(store.db(), fence_of(lease)).ok());
  CHECK(pending.pending() == waiting);
  CHECK(count_rows(store.db(), "sessions") == 0);  // rolled back with the rest
  CHECK(count_rows(store.db(), "accounts") == 0);

  execute(store.db().session(), "ALTER TABLE runner_events_away RENAME TO runner_events");
  auto written = pending.flush_fenced(store.db(), fence_of(lease));
  REQUIRE(written.ok());
  CHECK(*written == fenced_write::written);
  CHECK(pending.pending() == 0);
  for (const char* table : {"accounts", "sessions", "runner_events", "runner_summaries"}) {
    INFO(table);
    CHECK(count_rows(store.db(), table) == 1);
  }
}
