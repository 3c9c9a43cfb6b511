#include "runtime/store/aol_lease.hpp"
#include "tests/aol/aol_fixtures.hpp"

using namespace troupe::store;
using namespace troupe::aol::testing;
using Catch::Matchers::Contains;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

std::optional<lease> acquire(database& db, const std::string& owner, std::int64_t now_ms,
                             std::int64_t ttl_ms = 1000) {
  auto taken = try_acquire_or_renew_lease(db, "aol", owner, now_ms, ttl_ms);
  REQUIRE_OK(taken);
  return *taken;
}

}  // namespace

TEST_CASE("the first holder gets epoch 1 and renews it with the same epoch") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto first = acquire(store.db(), "daemon-a", 0);
  REQUIRE(first.has_value());
  CHECK(first->owner == "daemon-a");
  CHECK(first->epoch == 1);
  CHECK(first->expires_at_ms == 1000);
  const auto renewed = acquire(store.db(), "daemon-a", 1000);  // valid through its expiry
  REQUIRE(renewed.has_value());
  CHECK(renewed->epoch == 1);
  CHECK(renewed->expires_at_ms == 2000);
  auto stored = load_lease(store.db(), "aol");
  REQUIRE_OK(stored);
  REQUIRE(stored->has_value());
  CHECK((*stored)->owner == "daemon-a");
  CHECK((*stored)->expires_at_ms == 2000);
}

TEST_CASE(
    "another owner cannot take an unexpired lease, and takes it with epoch + 1 once expired") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  REQUIRE(acquire(store.db(), "daemon-a", 0).has_value());
  CHECK_FALSE(acquire(store.db(), "daemon-b", 500).has_value());
  CHECK_FALSE(acquire(store.db(), "daemon-b", 1000).has_value());
  const auto taken = acquire(store.db(), "daemon-b", 1001);
  REQUIRE(taken.has_value());
  CHECK(taken->owner == "daemon-b");
  CHECK(taken->epoch == 2);
  CHECK(taken->expires_at_ms == 2001);
  // The old holder has lost it: no renewal, no release.
  CHECK_FALSE(acquire(store.db(), "daemon-a", 1002).has_value());
  CHECK_FALSE(*release_lease(store.db(), "aol", "daemon-a", 1));
  CHECK((*load_lease(store.db(), "aol"))->owner == "daemon-b");
}

TEST_CASE("a holder coming back after its own lease expired gets a new epoch") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  REQUIRE(acquire(store.db(), "daemon-a", 0).has_value());
  const auto again = acquire(store.db(), "daemon-a", 5000);
  REQUIRE(again.has_value());
  CHECK(again->epoch == 2);
}

TEST_CASE("a released lease is free at once and its epoch keeps growing") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto held = acquire(store.db(), "daemon-a", 0, 60'000);
  REQUIRE(held.has_value());
  CHECK_FALSE(*release_lease(store.db(), "aol", "daemon-b", held->epoch));
  CHECK_FALSE(*release_lease(store.db(), "aol", "daemon-a", held->epoch + 1));
  auto released = release_lease(store.db(), "aol", "daemon-a", held->epoch);
  REQUIRE_OK(released);
  CHECK(*released);
  CHECK((*load_lease(store.db(), "aol"))->expires_at_ms == released_lease_expiry);
  const auto next = acquire(store.db(), "daemon-b", 10);
  REQUIRE(next.has_value());
  CHECK(next->epoch == 2);
}

TEST_CASE("leases of different names are independent, a lease never taken reads as absent") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto absent = load_lease(store.db(), "aol");
  REQUIRE_OK(absent);
  CHECK_FALSE(absent->has_value());
  REQUIRE(acquire(store.db(), "daemon-a", 0).has_value());
  auto other = try_acquire_or_renew_lease(store.db(), "other", "daemon-b", 0, 1000);
  REQUIRE_OK(other);
  REQUIRE(other->has_value());
  CHECK((*other)->epoch == 1);
}

TEST_CASE("a lease request without name or owner or with a ttl under 1 ms is refused") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  CHECK_THAT(try_acquire_or_renew_lease(store.db(), "", "a", 0, 1000).failure().message,
             Contains("name"));
  CHECK_THAT(try_acquire_or_renew_lease(store.db(), "aol", "", 0, 1000).failure().message,
             Contains("owner"));
  CHECK_THAT(try_acquire_or_renew_lease(store.db(), "aol", "a", 0, 0).failure().message,
             Contains("ttl"));
  CHECK_FALSE(release_lease(store.db(), "aol", "", 1).ok());
}

TEST_CASE("connections racing for the lease never both get it, and each takeover adds one epoch") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto dbs = connections(store.url(), 8);
  const int rounds = 20;
  for (int round = 0; round < rounds; ++round) {
    // Every round starts after the previous holder's lease expired.
    const std::int64_t now_ms = round * 1000;
    std::vector<std::optional<lease>> got(dbs.size());
    std::vector<std::string> failures(dbs.size());
    run_concurrently(dbs, [&](std::size_t i, database& db) {
      auto taken =
          try_acquire_or_renew_lease(db, "aol", "daemon-" + std::to_string(i), now_ms, 500);
      if (!taken) {
        failures[i] = taken.failure().message;
        return;
      }
      got[i] = *taken;
    });
    for (const auto& failure : failures) CHECK(failure.empty());
    int holders = 0;
    for (const auto& held : got) {
      if (!held) continue;
      ++holders;
      CHECK(held->epoch == round + 1);
    }
    CHECK(holders == 1);
  }
}
