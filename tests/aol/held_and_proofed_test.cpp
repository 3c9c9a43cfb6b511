// Held actions (the safety switches hold them back without using an attempt
// up) and PROOF rehearsals (PROOFED until an operator releases them), on
// SQLite and PostgreSQL.
#include <catch2/catch.hpp>

#include "tests/aol/aol_fixtures.hpp"

using namespace troupe::store;
using namespace troupe::aol::testing;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

TEST_CASE("a held action stays PENDING with its reason and its attempt given back") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto queued = enqueued(store.db(), request("k-1", 0, 1000, 1));
  const auto running = claimed_one(store.db(), "daemon-a", 1000);
  auto held = hold_action(store.db(), running.id, running.lease_token, "posting_disabled", 61'000, 1500);
  REQUIRE_OK(held);
  CHECK(*held);
  const auto stored = load_existing(store.db(), queued.id);
  CHECK(stored.status == action_status::pending);
  CHECK(stored.held_reason == std::optional<std::string>("posting_disabled"));
  CHECK(stored.attempts == 0);
  CHECK_FALSE(stored.lease_owner.has_value());
  CHECK(stored.next_attempt_at_ms == 61'000);
  // Looked at again only after the recheck delay...
  CHECK(claimed(store.db(), "daemon-a", 60'999).empty());
  // ...and holding it again and again never uses its single attempt up.
  for (int i = 0; i < 5; ++i) {
    const auto again = claimed_one(store.db(), "daemon-a", 61'000 + i * 60'000);
    REQUIRE_OK(hold_action(store.db(), again.id, again.lease_token, "shadow_mode",
                           121'000 + i * 60'000, 61'000 + i * 60'000));
  }
  const auto still = load_existing(store.db(), queued.id);
  CHECK(still.status == action_status::pending);
  CHECK(still.held_reason == std::optional<std::string>("shadow_mode"));
  CHECK(still.attempts == 0);
}

TEST_CASE("waking held actions makes them due now, and a completed attempt clears the reason") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto queued = enqueued(store.db(), request("k-1", 0, 1000));
  enqueued(store.db(), request("k-later", 0, 500'000));  // not held: its due time stays
  const auto running = claimed_one(store.db(), "daemon-a", 1000);
  REQUIRE_OK(hold_action(store.db(), running.id, running.lease_token, "live_posts_off", 61'000, 1000));
  auto woken = wake_held_actions(store.db(), 2000);
  REQUIRE_OK(woken);
  CHECK(*woken == 1);
  const auto again = claimed_one(store.db(), "daemon-a", 2000);
  CHECK(again.id == queued.id);
  CHECK(again.attempts == 1);
  REQUIRE_OK(complete_action(store.db(), again.id, again.lease_token, 2500));
  const auto done = load_existing(store.db(), queued.id);
  CHECK(done.status == action_status::succeeded);
  CHECK_FALSE(done.held_reason.has_value());
}

TEST_CASE("a PROOF rehearsal leaves the action PROOFED until released for a real run under its key") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto queued = enqueued(store.db(), request("k-1", 0, 1000, 1));
  const auto running = claimed_one(store.db(), "daemon-a", 1000);
  auto proved = prove_action(store.db(), running.id, running.lease_token, "/data/proof/1-1.json", 1200);
  REQUIRE_OK(proved);
  CHECK(*proved);
  auto stored = load_existing(store.db(), queued.id);
  CHECK(stored.status == action_status::proofed);
  CHECK(stored.proof_artifact == std::optional<std::string>("/data/proof/1-1.json"));
  CHECK(stored.attempts == 0);
  CHECK_FALSE(stored.finished_at_ms.has_value());
  // Not consumed, not claimable, not pruned, and its key stays taken.
  CHECK(claimed(store.db(), "daemon-a", 10'000'000).empty());
  REQUIRE_OK(prune_terminal_actions(store.db(), 10'000'000));
  auto again = enqueue_action(store.db(), request("k-1"), 2000);
  REQUIRE_OK(again);
  CHECK_FALSE(again->created);
  CHECK(again->queued.id == queued.id);
  // A second proving under the old token is fenced.
  CHECK_FALSE(*prove_action(store.db(), running.id, running.lease_token, "x", 1300));

  auto released = release_proofed_action(store.db(), queued.id, 5000);
  REQUIRE_OK(released);
  CHECK(*released);
  CHECK_FALSE(*release_proofed_action(store.db(), queued.id, 5000));  // no longer PROOFED
  const auto real = claimed_one(store.db(), "daemon-a", 5000);
  CHECK(real.id == queued.id);
  CHECK(real.attempts == 1);
  REQUIRE_OK(complete_action(store.db(), real.id, real.lease_token, 5100));
  stored = load_existing(store.db(), queued.id);
  CHECK(stored.status == action_status::succeeded);
  CHECK(stored.proof_artifact == std::optional<std::string>("/data/proof/1-1.json"));
}

TEST_CASE("a PROOFED action can be cancelled and is counted under its own status") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto queued = enqueued(store.db(), request("k-1", 0, 1000));
  const auto running = claimed_one(store.db(), "daemon-a", 1000);
  REQUIRE_OK(prove_action(store.db(), running.id, running.lease_token, "a.json", 1200));
  auto counts = count_actions_by_status(store.db());
  REQUIRE_OK(counts);
  CHECK(counts->at(action_status::proofed) == 1);
  action_query query;
  query.status = action_status::proofed;
  auto listed = list_actions(store.db(), query);
  REQUIRE_OK(listed);
  CHECK(ids_of(*listed) == std::vector<std::int64_t>{queued.id});
  CHECK(*cancel_action(store.db(), queued.id, 2000));
  CHECK(load_existing(store.db(), queued.id).status == action_status::cancelled);
}
