#include <algorithm>
#include <set>

#include "runtime/aol/retry_policy.hpp"
#include "runtime/store/aol_claims.hpp"
#include "tests/aol/aol_fixtures.hpp"

using namespace troupe::store;
using namespace troupe::aol::testing;
using Catch::Matchers::Contains;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

TEST_CASE("a claimed action is RUNNING under a lease with its token and attempts incremented") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto queued = enqueued(store.db(), request("k-1", 0, 1000));
  const auto running = claimed_one(store.db(), "daemon-a", 1000, 30'000);
  CHECK(running.id == queued.id);
  CHECK(running.status == action_status::running);
  CHECK(running.lease_owner == std::optional<std::string>("daemon-a"));
  CHECK(running.lease_expires_at_ms == std::optional<std::int64_t>(31'000));
  CHECK(running.lease_token == 1);
  CHECK(running.attempts == 1);
  CHECK(running.updated_at_ms == 1000);
  CHECK(running.payload_json == queued.payload_json);
  const auto stored = load_existing(store.db(), queued.id);
  CHECK(stored.status == action_status::running);
  CHECK(stored.lease_token == 1);
  // Held: nobody else gets it while the lease runs.
  CHECK(claimed(store.db(), "daemon-b", 31'000).empty());
}

TEST_CASE("PENDING -> RUNNING -> SUCCEEDED clears the lease and records the end") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  enqueued(store.db(), request("k-1", 0, 1000));
  const auto running = claimed_one(store.db(), "daemon-a", 1000);
  auto completed = complete_action(store.db(), running.id, running.lease_token, 4000);
  REQUIRE_OK(completed);
  CHECK(*completed);
  const auto done = load_existing(store.db(), running.id);
  CHECK(done.status == action_status::succeeded);
  CHECK(done.finished_at_ms == std::optional<std::int64_t>(4000));
  CHECK(done.updated_at_ms == 4000);
  CHECK_FALSE(done.lease_owner.has_value());
  CHECK_FALSE(done.lease_expires_at_ms.has_value());
  CHECK(done.lease_token == 1);
  CHECK(done.attempts == 1);
  CHECK(claimed(store.db(), "daemon-a", 1'000'000).empty());
  // Completing twice is refused: it is no longer RUNNING.
  CHECK_FALSE(*complete_action(store.db(), running.id, running.lease_token, 5000));
}

TEST_CASE("an action is not claimed before it is due") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  enqueued(store.db(), request("k-1", 0, 5000));
  CHECK(claimed(store.db(), "daemon-a", 4999).empty());
  CHECK(claimed(store.db(), "daemon-a", 5000).size() == 1);
}

TEST_CASE("due actions are claimed by higher priority first, then earlier due time, then id") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto low_early = enqueued(store.db(), request("low-early", 0, 100));
  const auto high_late = enqueued(store.db(), request("high-late", 10, 900));
  const auto high_early = enqueued(store.db(), request("high-early", 10, 200));
  const auto mid = enqueued(store.db(), request("mid", 5, 500));
  const auto low_late_a = enqueued(store.db(), request("low-late-a", 0, 700));
  const auto low_late_b = enqueued(store.db(), request("low-late-b", 0, 700));
  const auto negative = enqueued(store.db(), request("negative", -1, 0));
  enqueued(store.db(), request("not-due", 99, 5000));

  const auto first = claimed(store.db(), "daemon-a", 1000, 30'000, 3);
  CHECK(ids_of(first) == std::vector<std::int64_t>{high_early.id, high_late.id, mid.id});
  const auto rest = claimed(store.db(), "daemon-a", 1000, 30'000, 10);
  CHECK(ids_of(rest) ==
        std::vector<std::int64_t>{low_early.id, low_late_a.id, low_late_b.id, negative.id});
}

TEST_CASE("a failed attempt retries after the backoff, and goes to DLQ when attempts run out") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  troupe::aol::backoff_config backoff;
  backoff.base_delay_ms = 10'000;
  troupe::policy::rng random(5);
  const auto queued = enqueued(store.db(), request("k-1", 0, 0, 2));

  // RUNNING -> RETRY, due after the policy's delay on virtual time.
  const auto first = claimed_one(store.db(), "daemon-a", 0);
  const auto delay = troupe::aol::backoff_delay_ms(first.attempts, backoff, random);
  REQUIRE(delay >= 5000);
  REQUIRE(delay <= 10'000);
  auto failed =
      fail_action(store.db(), first.id, first.lease_token, {"HTTP 503", delay, false}, 1000);
  REQUIRE_OK(failed);
  CHECK(*failed == failure_outcome::retrying);
  const auto waiting = load_existing(store.db(), queued.id);
  CHECK(waiting.status == action_status::retry);
  CHECK(waiting.next_attempt_at_ms == 1000 + delay);
  CHECK(waiting.last_error == std::optional<std::string>("HTTP 503"));
  CHECK_FALSE(waiting.lease_owner.has_value());
  CHECK_FALSE(waiting.finished_at_ms.has_value());

  // RETRY -> RUNNING once due, under a new token.
  CHECK(claimed(store.db(), "daemon-a", 1000 + delay - 1).empty());
  const auto second = claimed_one(store.db(), "daemon-a", 1000 + delay);
  CHECK(second.id == queued.id);
  CHECK(second.attempts == 2);
  CHECK(second.lease_token == 2);

  // RUNNING -> DLQ: the second attempt was the last.
  failed =
      fail_action(store.db(), second.id, second.lease_token, {"HTTP 500", 60'000, false}, 20'000);
  REQUIRE_OK(failed);
  CHECK(*failed == failure_outcome::dead_lettered);
  const auto dead = load_existing(store.db(), queued.id);
  CHECK(dead.status == action_status::dlq);
  CHECK(dead.last_error == std::optional<std::string>("HTTP 500"));
  CHECK(dead.finished_at_ms == std::optional<std::int64_t>(20'000));
  CHECK(claimed(store.db(), "daemon-a", 1'000'000).empty());
}

TEST_CASE("a permanent failure goes to DLQ at once, attempts left or not") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  enqueued(store.db(), request("k-1", 0, 0, 5));
  const auto running = claimed_one(store.db(), "daemon-a", 0);
  auto failed = fail_action(store.db(), running.id, running.lease_token,
                            {"unknown action type FOO", 0, true}, 100);
  REQUIRE_OK(failed);
  CHECK(*failed == failure_outcome::dead_lettered);
  const auto dead = load_existing(store.db(), running.id);
  CHECK(dead.status == action_status::dlq);
  CHECK(dead.last_error == std::optional<std::string>("unknown action type FOO"));
}

TEST_CASE("a negative retry delay is refused") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  enqueued(store.db(), request("k-1"));
  const auto running = claimed_one(store.db(), "daemon-a", 0);
  auto failed = fail_action(store.db(), running.id, running.lease_token, {"x", -1, false}, 100);
  REQUIRE_FALSE(failed.ok());
  CHECK_THAT(failed.failure().message, Contains("negative"));
  CHECK(load_existing(store.db(), running.id).status == action_status::running);
}

TEST_CASE("an expired lease returns the action to the queue and fences off the old holder") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  enqueued(store.db(), request("k-1"));
  const auto stale = claimed_one(store.db(), "daemon-a", 0, 1000);

  // Valid through its expiry, reclaimable just after.
  CHECK(claimed(store.db(), "daemon-b", 1000).empty());
  const auto fresh = claimed_one(store.db(), "daemon-b", 1001, 1000);
  CHECK(fresh.id == stale.id);
  CHECK(fresh.lease_token == stale.lease_token + 1);
  CHECK(fresh.attempts == 2);
  CHECK(fresh.lease_owner == std::optional<std::string>("daemon-b"));

  // Every write under the old token is refused and changes nothing.
  const auto before = load_existing(store.db(), stale.id);
  CHECK_FALSE(*complete_action(store.db(), stale.id, stale.lease_token, 1500));
  CHECK(*fail_action(store.db(), stale.id, stale.lease_token, {"late", 0, false}, 1500) ==
        failure_outcome::fenced);
  CHECK_FALSE(*request_decision(store.db(), stale.id, stale.lease_token, 1500));
  CHECK_FALSE(*renew_action_lease(store.db(), stale.id, stale.lease_token, "daemon-a", 9000));
  auto batch = complete_actions(store.db(), {{stale.id, stale.lease_token}}, 1500);
  REQUIRE_OK(batch);
  CHECK(*batch == std::vector<bool>{false});
  const auto after = load_existing(store.db(), stale.id);
  CHECK(after.status == action_status::running);
  CHECK(after.lease_owner == before.lease_owner);
  CHECK(after.lease_expires_at_ms == before.lease_expires_at_ms);
  CHECK(after.lease_token == before.lease_token);
  CHECK(after.updated_at_ms == before.updated_at_ms);
  CHECK_FALSE(after.last_error.has_value());

  // The current holder's write goes through.
  CHECK(*complete_action(store.db(), fresh.id, fresh.lease_token, 1600));
  CHECK(load_existing(store.db(), fresh.id).status == action_status::succeeded);
}

TEST_CASE("a holder whose lease expired may still finish while nobody reclaimed the action") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  enqueued(store.db(), request("k-1"));
  const auto running = claimed_one(store.db(), "daemon-a", 0, 1000);
  CHECK(*complete_action(store.db(), running.id, running.lease_token, 5000));
  CHECK(load_existing(store.db(), running.id).status == action_status::succeeded);
}

TEST_CASE("renewing a lease keeps the action from being reclaimed, only its holder can renew") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  enqueued(store.db(), request("k-1"));
  const auto running = claimed_one(store.db(), "daemon-a", 0, 1000);
  CHECK_FALSE(*renew_action_lease(store.db(), running.id, running.lease_token, "daemon-b", 9000));
  CHECK_FALSE(
      *renew_action_lease(store.db(), running.id, running.lease_token + 1, "daemon-a", 9000));
  auto renewed = renew_action_lease(store.db(), running.id, running.lease_token, "daemon-a", 5000);
  REQUIRE_OK(renewed);
  CHECK(*renewed);
  CHECK(load_existing(store.db(), running.id).lease_expires_at_ms ==
        std::optional<std::int64_t>(5000));
  CHECK(claimed(store.db(), "daemon-b", 4000).empty());
  CHECK(claimed(store.db(), "daemon-b", 5001).size() == 1);
}

TEST_CASE("an expired lease on the last allowed attempt sends the action to DLQ, not back") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto poison = enqueued(store.db(), request("poison", 0, 0, 1));
  const auto healthy = enqueued(store.db(), request("healthy", 0, 0, 1));
  claimed(store.db(), "daemon-a", 0, 1000, 2);

  const auto reclaimed = claimed(store.db(), "daemon-b", 2000);
  CHECK(reclaimed.empty());
  for (auto id : {poison.id, healthy.id}) {
    const auto dead = load_existing(store.db(), id);
    CHECK(dead.status == action_status::dlq);
    CHECK_THAT(dead.last_error.value_or(""), Contains("expired"));
    CHECK(dead.finished_at_ms == std::optional<std::int64_t>(2000));
    CHECK_FALSE(dead.lease_owner.has_value());
  }
}

TEST_CASE("a parked action waits for a decision with its lease and any old decision cleared") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  enqueued(store.db(), request("k-1"));
  const auto running = claimed_one(store.db(), "daemon-a", 0);
  auto parked = request_decision(store.db(), running.id, running.lease_token, 700);
  REQUIRE_OK(parked);
  CHECK(*parked);
  const auto waiting = load_existing(store.db(), running.id);
  CHECK(waiting.status == action_status::needs_decision);
  CHECK(waiting.updated_at_ms == 700);
  CHECK_FALSE(waiting.lease_owner.has_value());
  CHECK_FALSE(waiting.decision.has_value());
  CHECK(claimed(store.db(), "daemon-a", 1'000'000).empty());

  // Decided, run again, and parked again: the old decision is gone.
  REQUIRE(*decide_action(store.db(), running.id, "approve", 800));
  const auto again = claimed_one(store.db(), "daemon-a", 800);
  REQUIRE(again.decision == std::optional<std::string>("approve"));
  REQUIRE(*request_decision(store.db(), again.id, again.lease_token, 900));
  CHECK_FALSE(load_existing(store.db(), again.id).decision.has_value());
}

TEST_CASE("actions are claimed and completed in batches, a stale token refused within its batch") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  for (int i = 0; i < 10; ++i) enqueued(store.db(), request("k-" + std::to_string(i), 0, i));
  const auto batch = claimed(store.db(), "daemon-a", 100, 1000, 4);
  REQUIRE(batch.size() == 4);
  std::vector<claimed_action> done;
  for (const auto& running : batch) done.push_back({running.id, running.lease_token});
  done[2].token += 1;  // a token that was never handed out
  auto completed = complete_actions(store.db(), done, 500);
  REQUIRE_OK(completed);
  CHECK(*completed == std::vector<bool>{true, true, false, true});

  auto counts = count_actions_by_status(store.db());
  REQUIRE_OK(counts);
  CHECK(counts->at(action_status::succeeded) == 3);
  CHECK(counts->at(action_status::running) == 1);
  CHECK(counts->at(action_status::pending) == 6);
  CHECK(claimed(store.db(), "daemon-a", 600, 1000, 100).size() == 6);
  CHECK(*complete_actions(store.db(), {}, 700) == std::vector<bool>{});
}

TEST_CASE("concurrent claimers on separate connections never claim an action twice") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const int total = 120;
  for (int i = 0; i < total; ++i) enqueued(store.db(), request("k-" + std::to_string(i), i % 3, i));
  auto dbs = connections(store.url(), 4);
  std::vector<std::vector<std::int64_t>> taken(dbs.size());
  std::vector<std::string> failures(dbs.size());
  run_concurrently(dbs, [&](std::size_t i, database& db) {
    const std::string owner = "daemon-" + std::to_string(i);
    for (;;) {
      auto claim = claim_due_actions(db, owner, 10'000, 60'000, 5);
      if (!claim) {
        failures[i] = claim.failure().message;
        return;
      }
      if (claim->empty()) return;
      std::vector<claimed_action> done;
      for (const auto& running : *claim) {
        taken[i].push_back(running.id);
        done.push_back({running.id, running.lease_token});
      }
      auto completed = complete_actions(db, done, 10'000);
      if (!completed) {
        failures[i] = completed.failure().message;
        return;
      }
    }
  });
  for (const auto& failure : failures) CHECK(failure.empty());
  std::vector<std::int64_t> all;
  for (const auto& ids : taken) all.insert(all.end(), ids.begin(), ids.end());
  CHECK(all.size() == static_cast<std::size_t>(total));
  CHECK(std::set<std::int64_t>(all.begin(), all.end()).size() == static_cast<std::size_t>(total));
  auto counts = count_actions_by_status(store.db());
  REQUIRE_OK(counts);
  CHECK(counts->at(action_status::succeeded) == total);
}

TEST_CASE("a claim without owner, with a lease under 1 ms or a batch outside 1..max is refused") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto queued = enqueued(store.db(), request("k-1"));
  const auto refusal = [&](const std::string& owner, std::int64_t lease_ms, int batch) {
    auto claim = claim_due_actions(store.db(), owner, 0, lease_ms, batch);
    REQUIRE_FALSE(claim.ok());
    return claim.failure().message;
  };
  CHECK_THAT(refusal("", 1000, 1), Contains("owner"));
  CHECK_THAT(refusal("daemon-a", 0, 1), Contains("lease"));
  CHECK_THAT(refusal("daemon-a", 1000, 0), Contains("1 to"));
  CHECK_THAT(refusal("daemon-a", 1000, max_claim_batch + 1), Contains("1 to"));
  CHECK(load_existing(store.db(), queued.id).status == action_status::pending);
}
