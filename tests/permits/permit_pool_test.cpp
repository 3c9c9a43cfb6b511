// The supervisor's semaphore: capacity, fairness across pods, handoff delay.
#include <catch2/catch.hpp>

#include "runtime/permit_pool.hpp"

using troupe::permit_grant;
using troupe::permit_pool;
using troupe::permit_waiter;

namespace {

std::uint64_t next_request = 1;

permit_waiter waiter(const std::string& pod, const std::string& account) {
  return permit_waiter{next_request++, pod, account, 0};
}

std::vector<std::string> accounts_of(const std::vector<permit_grant>& grants) {
  std::vector<std::string> accounts;
  for (const auto& grant : grants) accounts.push_back(grant.waiter.account_id);
  return accounts;
}

}  // namespace

TEST_CASE("never more permits are granted than the capacity") {
  permit_pool pool(2);
  for (int i = 0; i < 5; ++i) pool.enqueue(waiter("pod", "a" + std::to_string(i)));
  auto grants = pool.grant_ready(0);
  CHECK(grants.size() == 2);
  CHECK(pool.in_use() == 2);
  CHECK(pool.waiting() == 3);
  CHECK(pool.grant_ready(1'000'000).empty());
}

TEST_CASE("a released permit is granted again only after its handoff delay") {
  permit_pool pool(1);
  pool.enqueue(waiter("pod", "first"));
  pool.enqueue(waiter("pod", "second"));
  auto first = pool.grant_ready(0);
  REQUIRE(first.size() == 1);
  REQUIRE(pool.release(first[0].permit_id, 54'000));
  CHECK(pool.next_grant_at() == 54'000);
  CHECK(pool.cooling_until(10'000) == std::vector<std::int64_t>{54'000});
  CHECK(pool.grant_ready(53'999).empty());
  auto second = pool.grant_ready(54'000);
  CHECK(accounts_of(second) == std::vector<std::string>{"second"});
  CHECK(second[0].granted_at_ms == 54'000);
}

TEST_CASE("waiters of different pods are granted in round robin, FIFO within a pod") {
  permit_pool pool(1);
  pool.enqueue(waiter("podA", "a1"));
  pool.enqueue(waiter("podA", "a2"));
  pool.enqueue(waiter("podA", "a3"));
  pool.enqueue(waiter("podB", "b1"));
  pool.enqueue(waiter("podC", "c1"));
  std::vector<std::string> order;
  for (const auto& w : pool.queue_snapshot()) order.push_back(w.account_id);
  CHECK(order == std::vector<std::string>{"a1", "b1", "c1", "a2", "a3"});

  std::vector<std::string> granted;
  std::int64_t now = 0;
  while (pool.waiting() > 0) {
    auto grants = pool.grant_ready(now);
    REQUIRE(grants.size() == 1);
    granted.push_back(grants[0].waiter.account_id);
    REQUIRE(pool.release(grants[0].permit_id, now + 10));
    now += 10;
  }
  CHECK(granted == order);
}

TEST_CASE("a cancelled waiter is never granted") {
  permit_pool pool(1);
  auto gone = waiter("podA", "gone");
  pool.enqueue(gone);
  pool.enqueue(waiter("podB", "stays"));
  CHECK(pool.cancel(gone.request_id));
  CHECK_FALSE(pool.cancel(gone.request_id));
  CHECK(accounts_of(pool.grant_ready(0)) == std::vector<std::string>{"stays"});
}

TEST_CASE("raising the capacity grants more at once, lowering it retires permits on release") {
  permit_pool pool(1);
  for (int i = 0; i < 4; ++i) pool.enqueue(waiter("pod", "a" + std::to_string(i)));
  auto first = pool.grant_ready(0);
  REQUIRE(first.size() == 1);
  pool.resize(3);
  auto more = pool.grant_ready(0);
  CHECK(more.size() == 2);
  CHECK(pool.in_use() == 3);

  pool.resize(1);
  CHECK(pool.in_use() == 3);  // nothing running is interrupted
  REQUIRE(pool.release(first[0].permit_id, 0));
  REQUIRE(pool.release(more[0].permit_id, 0));
  CHECK(pool.grant_ready(0).empty());  // still one in use = capacity
  REQUIRE(pool.release(more[1].permit_id, 0));
  CHECK(pool.grant_ready(0).size() == 1);
}

TEST_CASE("releasing an unknown permit is refused") {
  permit_pool pool(1);
  CHECK_FALSE(pool.release(42, 0));
}

TEST_CASE("with no waiter there is no next grant instant") {
  permit_pool pool(1);
  CHECK_FALSE(pool.next_grant_at().has_value());
}
