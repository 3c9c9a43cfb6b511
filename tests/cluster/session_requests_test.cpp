// RUN_SESSION routed to the node holding the account's pod, on a real
// PostgreSQL: a request goes to the lease holder or nowhere, only that node
// claims it, once; a waiting request can be withdrawn, a running one not;
// its end is recorded once; the reader sees whether its node still holds
// the pod.
#include "runtime/store/cluster_session_requests.hpp"

#include "runtime/store/cluster_pod_leases.hpp"
#include "tests/cluster/cluster_database.hpp"

using namespace troupe::store;
using troupe::store::testing::connect;
using troupe::store::testing::long_ttl_ms;
using troupe::store::testing::migrated_database;
using troupe::store::testing::postgresql_configured;

namespace {

session_request_row filed(database& db, const std::string& pod, const std::string& account) {
  auto routed = file_session_request(db, pod, account, "follow", 7);
  REQUIRE(routed.ok());
  REQUIRE(routed->has_value());
  return **routed;
}

session_request_state read(database& db, std::int64_t id) {
  auto state = read_session_request(db, id);
  REQUIRE(state.ok());
  REQUIRE(state->has_value());
  return **state;
}

}  // namespace

TEST_CASE("a routed session request goes to the node holding the pod, which alone claims it, once") {
  if (!postgresql_configured()) return;
  migrated_database store(backend::postgresql);
  auto nowhere = file_session_request(store.db(), "pod-1", "acct-1", "follow", 7);
  REQUIRE(nowhere.ok());
  CHECK_FALSE(nowhere->has_value());  // no node holds pod-1

  auto node_b = connect(store);
  auto lease = take_pod_lease(node_b, "pod-1", "node-b", long_ttl_ms);
  REQUIRE(lease.ok());
  REQUIRE(lease->has_value());
  const auto routed = filed(store.db(), "pod-1", "acct-1");
  CHECK(routed.node == "node-b");
  CHECK(routed.epoch == (*lease)->epoch);
  CHECK(read(store.db(), routed.id).status == session_request_status::waiting);
  CHECK(read(store.db(), routed.id).node_holds_pod);

  auto by_other = claim_session_requests(store.db(), "node-a");
  REQUIRE(by_other.ok());
  CHECK(by_other->empty());
  auto claimed = claim_session_requests(node_b, "node-b");
  REQUIRE(claimed.ok());
  REQUIRE(claimed->size() == 1);
  CHECK(claimed->front().account_id == "acct-1");
  CHECK(claimed->front().activity == "follow");
  auto again = claim_session_requests(node_b, "node-b");
  REQUIRE(again.ok());
  CHECK(again->empty());

  // Running: the loop can no longer withdraw it; its end is recorded once.
  auto withdrawn = withdraw_session_request(store.db(), routed.id);
  REQUIRE(withdrawn.ok());
  CHECK_FALSE(*withdrawn);
  auto finished = finish_session_request(node_b, routed.id, {"s-1", "success", "", ""});
  REQUIRE(finished.ok());
  CHECK(*finished);
  auto twice = finish_session_request(node_b, routed.id, {"s-2", "error", "", "late"});
  REQUIRE(twice.ok());
  CHECK_FALSE(*twice);
  const auto done = read(store.db(), routed.id);
  CHECK(done.status == session_request_status::done);
  REQUIRE(done.end.has_value());
  CHECK(done.end->session_id == "s-1");
  CHECK(done.end->outcome == "success");
}

TEST_CASE("a routed request still waiting is withdrawn, and the reader sees its node lose the pod") {
  if (!postgresql_configured()) return;
  migrated_database store(backend::postgresql);
  auto lease = take_pod_lease(store.db(), "pod-1", "node-b", long_ttl_ms);
  REQUIRE(lease.ok());
  REQUIRE(lease->has_value());
  const auto routed = filed(store.db(), "pod-1", "acct-1");
  auto released = release_pod_lease(store.db(), "pod-1", "node-b", (*lease)->epoch);
  REQUIRE(released.ok());
  CHECK_FALSE(read(store.db(), routed.id).node_holds_pod);
  auto withdrawn = withdraw_session_request(store.db(), routed.id);
  REQUIRE(withdrawn.ok());
  CHECK(*withdrawn);
  CHECK(read(store.db(), routed.id).status == session_request_status::withdrawn);
  auto claimed = claim_session_requests(store.db(), "node-b");
  REQUIRE(claimed.ok());
  CHECK(claimed->empty());  // a withdrawn request is not run
}

TEST_CASE("routed session requests are refused on SQLite") {
  migrated_database store(backend::sqlite);
  auto filed_there = file_session_request(store.db(), "pod-1", "acct-1", "", 1);
  REQUIRE_FALSE(filed_there.ok());
  CHECK(filed_there.failure().message.find("cluster mode needs PostgreSQL") == 0);
  CHECK_FALSE(claim_session_requests(store.db(), "node-a").ok());
  CHECK_FALSE(read_session_request(store.db(), 1).ok());
}
