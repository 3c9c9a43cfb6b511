#include <algorithm>
#include <set>

#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_claims.hpp"
#include "runtime/store/aol_execution_logs.hpp"
#include "tests/aol/aol_fixtures.hpp"

using namespace troupe::store;
using namespace troupe::aol::testing;
using Catch::Matchers::Contains;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

// An action brought into `wanted` through the queue's own transitions; it
// has one attempt (two when `wanted` is RETRY, so that it may retry). It is
// claimed on the way, so no other action may be due at `now_ms`.
action in_state(database& db, const std::string& key, action_status wanted, std::int64_t now_ms) {
  const int max_attempts = wanted == action_status::retry ? 2 : 1;
  const auto queued = enqueued(db, request(key, 0, now_ms, max_attempts));
  if (wanted == action_status::pending) return queued;
  if (wanted == action_status::cancelled) {
    REQUIRE(*cancel_action(db, queued.id, now_ms));
    return load_existing(db, queued.id);
  }
  const auto running = claimed_one(db, "worker", now_ms);
  REQUIRE(running.id == queued.id);
  const std::int64_t token = running.lease_token;
  switch (wanted) {
    case action_status::retry:
      REQUIRE(*fail_action(db, running.id, token, {"timeout", 1000, false}, now_ms) ==
              failure_outcome::retrying);
      break;
    case action_status::dlq:
      REQUIRE(*fail_action(db, running.id, token, {"boom", 0, false}, now_ms) ==
              failure_outcome::dead_lettered);
      break;
    case action_status::needs_decision:
      REQUIRE(*request_decision(db, running.id, token, now_ms));
      break;
    case action_status::succeeded:
      REQUIRE(*complete_action(db, running.id, token, now_ms));
      break;
    default:
      break;
  }
  return load_existing(db, running.id);
}

}  // namespace

TEST_CASE("an enqueued action is PENDING, due at its run_at, with no lease and token 0") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto outcome = enqueue_action(store.db(), request("k-1", 5, 9000, 4), 1000);
  REQUIRE_OK(outcome);
  CHECK(outcome->created);
  const auto& queued = outcome->queued;
  CHECK(queued.id > 0);
  CHECK(queued.type == "POST_SOCIAL");
  CHECK(queued.payload_json == R"({"account":"acct-1","text":"hello"})");
  CHECK(queued.idempotency_key == "k-1");
  CHECK(queued.status == action_status::pending);
  CHECK(queued.priority == 5);
  CHECK(queued.attempts == 0);
  CHECK(queued.max_attempts == 4);
  CHECK(queued.run_at_ms == 9000);
  CHECK(queued.next_attempt_at_ms == 9000);
  CHECK_FALSE(queued.lease_owner.has_value());
  CHECK_FALSE(queued.lease_expires_at_ms.has_value());
  CHECK(queued.lease_token == 0);
  CHECK_FALSE(queued.last_error.has_value());
  CHECK_FALSE(queued.decision.has_value());
  CHECK(queued.created_at_ms == 1000);
  CHECK(queued.updated_at_ms == 1000);
  CHECK_FALSE(queued.finished_at_ms.has_value());
  const auto loaded = load_existing(store.db(), queued.id);
  CHECK(loaded.idempotency_key == "k-1");
  CHECK(loaded.status == action_status::pending);
}

TEST_CASE("an action enqueued without run_at is due at once") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto without_run_at = request("k-1");
  without_run_at.run_at_ms.reset();
  const auto queued = enqueued(store.db(), without_run_at, 7000);
  CHECK(queued.run_at_ms == 7000);
  CHECK(queued.next_attempt_at_ms == 7000);
  CHECK(claimed(store.db(), "worker", 7000).size() == 1);
}

TEST_CASE("enqueuing a key again returns the existing action unchanged, not a copy") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto first = enqueued(store.db(), request("k-1"), 1000);
  auto again = request("k-1", 9);
  again.payload_json = R"({"other":true})";
  auto second = enqueue_action(store.db(), again, 2000);
  REQUIRE_OK(second);
  CHECK_FALSE(second->created);
  CHECK(second->queued.id == first.id);
  CHECK(second->queued.payload_json == first.payload_json);
  CHECK(second->queued.priority == 0);
  CHECK(second->queued.updated_at_ms == 1000);
  auto listed = list_actions(store.db(), {});
  REQUIRE_OK(listed);
  CHECK(listed->size() == 1);
}

TEST_CASE("enqueuing a finished action's key returns it as it stands") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto done = in_state(store.db(), "k-1", action_status::succeeded, 1000);
  auto again = enqueue_action(store.db(), request("k-1"), 5000);
  REQUIRE_OK(again);
  CHECK_FALSE(again->created);
  CHECK(again->queued.id == done.id);
  CHECK(again->queued.status == action_status::succeeded);
  CHECK(claimed(store.db(), "worker", 5000).empty());
}

TEST_CASE("eight threads enqueuing one key make one action and all get its id") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto dbs = connections(store.url(), 8);
  for (int round = 0; round < 5; ++round) {
    const std::string key = "shared-" + std::to_string(round);
    std::vector<std::int64_t> ids(dbs.size(), -1);
    std::vector<int> created(dbs.size(), -1);
    std::vector<std::string> failures(dbs.size());
    run_concurrently(dbs, [&](std::size_t i, database& db) {
      auto outcome = enqueue_action(db, request(key), 1000);
      if (!outcome) {
        failures[i] = outcome.failure().message;
        return;
      }
      ids[i] = outcome->queued.id;
      created[i] = outcome->created ? 1 : 0;
    });
    for (const auto& failure : failures) CHECK(failure.empty());
    CHECK(std::set<std::int64_t>(ids.begin(), ids.end()).size() == 1);
    CHECK(ids.front() > 0);
    CHECK(std::count(created.begin(), created.end(), 1) == 1);
  }
  auto listed = list_actions(store.db(), {});
  REQUIRE_OK(listed);
  CHECK(listed->size() == 5);
}

TEST_CASE(
    "an action without type or key, with max_attempts < 1 or a payload that is not JSON is "
    "refused") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto refusal = [&](const new_action& bad) {
    auto outcome = enqueue_action(store.db(), bad, 1000);
    REQUIRE_FALSE(outcome.ok());
    return outcome.failure().message;
  };
  auto no_type = request("k-1");
  no_type.type.clear();
  CHECK_THAT(refusal(no_type), Contains("type"));
  CHECK_THAT(refusal(request("")), Contains("idempotency key"));
  CHECK_THAT(refusal(request("k-1", 0, 0, 0)), Contains("max_attempts"));
  auto not_json = request("k-1");
  not_json.payload_json = "{account: 1";
  CHECK_THAT(refusal(not_json), Contains("not JSON"));
  auto listed = list_actions(store.db(), {});
  REQUIRE_OK(listed);
  CHECK(listed->empty());
}

TEST_CASE("actions list by ascending id, filtered by status and type, page by page") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(enqueued(store.db(), "k-" + std::to_string(i)).id);
  auto notify = request("n-1");
  notify.type = "NOTIFY";
  const auto notify_id = enqueued(store.db(), notify).id;
  REQUIRE(*cancel_action(store.db(), ids[1], 1000));

  action_query page;
  page.limit = 2;
  auto first = list_actions(store.db(), page);
  REQUIRE_OK(first);
  CHECK(ids_of(*first) == std::vector<std::int64_t>{ids[0], ids[1]});
  page.after_id = first->back().id;
  auto second = list_actions(store.db(), page);
  REQUIRE_OK(second);
  CHECK(ids_of(*second) == std::vector<std::int64_t>{ids[2], ids[3]});

  action_query pending_posts;
  pending_posts.status = action_status::pending;
  pending_posts.type = "POST_SOCIAL";
  auto pending = list_actions(store.db(), pending_posts);
  REQUIRE_OK(pending);
  CHECK(ids_of(*pending) == std::vector<std::int64_t>{ids[0], ids[2], ids[3], ids[4]});

  action_query cancelled_only;
  cancelled_only.status = action_status::cancelled;
  CHECK(ids_of(*list_actions(store.db(), cancelled_only)) == std::vector<std::int64_t>{ids[1]});
  action_query notifications;
  notifications.type = "NOTIFY";
  CHECK(ids_of(*list_actions(store.db(), notifications)) == std::vector<std::int64_t>{notify_id});
}

TEST_CASE("a page size outside 1..max_action_page is refused") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  for (int limit : {0, -1, max_action_page + 1}) {
    action_query query;
    query.limit = limit;
    auto listed = list_actions(store.db(), query);
    REQUIRE_FALSE(listed.ok());
    CHECK_THAT(listed.failure().message, Contains("action page"));
  }
}

TEST_CASE("the counts by status name every status, zero included, and the backlog is what waits to run") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  in_state(store.db(), "d", action_status::retry, 1000);  // the claimed ones first: none other is due yet
  in_state(store.db(), "e", action_status::running, 1000);
  in_state(store.db(), "a", action_status::pending, 1000);
  in_state(store.db(), "b", action_status::pending, 1000);
  in_state(store.db(), "c", action_status::cancelled, 1000);
  auto counts = count_actions_by_status(store.db());
  REQUIRE_OK(counts);
  CHECK(counts->size() == 8);
  CHECK(counts->at(action_status::pending) == 2);
  CHECK(counts->at(action_status::proofed) == 0);
  CHECK(counts->at(action_status::cancelled) == 1);
  CHECK(counts->at(action_status::running) == 1);
  CHECK(counts->at(action_status::dlq) == 0);
  CHECK(waiting_actions(*counts) == 3);  // PENDING and RETRY, not RUNNING
}

TEST_CASE("status names round-trip") {
  for (auto status : {action_status::pending, action_status::running, action_status::succeeded,
                      action_status::retry, action_status::dlq, action_status::needs_decision,
                      action_status::cancelled, action_status::proofed}) {
    CHECK(parse_action_status(to_string(status)) == status);
  }
  CHECK(std::string(to_string(action_status::proofed)) == "PROOFED");
  CHECK(std::string(to_string(action_status::needs_decision)) == "NEEDS_DECISION");
  CHECK_FALSE(parse_action_status("pending").has_value());
}

TEST_CASE("PENDING, RETRY, NEEDS_DECISION and DLQ actions can be cancelled") {
  const backend kind = GENERATE(from_range(test_backends()));
  const auto from = GENERATE(action_status::pending, action_status::retry,
                             action_status::needs_decision, action_status::dlq);
  migrated_database store(kind);
  CAPTURE(to_string(from));
  const auto target = in_state(store.db(), "k-1", from, 1000);
  REQUIRE(target.status == from);
  auto cancelled = cancel_action(store.db(), target.id, 2000);
  REQUIRE_OK(cancelled);
  CHECK(*cancelled);
  const auto read = load_existing(store.db(), target.id);
  CHECK(read.status == action_status::cancelled);
  CHECK(read.finished_at_ms == std::optional<std::int64_t>(2000));
  CHECK(claimed(store.db(), "worker", 1'000'000).empty());
}

TEST_CASE("RUNNING, SUCCEEDED and CANCELLED actions cannot be cancelled") {
  const backend kind = GENERATE(from_range(test_backends()));
  const auto from =
      GENERATE(action_status::running, action_status::succeeded, action_status::cancelled);
  migrated_database store(kind);
  CAPTURE(to_string(from));
  const auto target = in_state(store.db(), "k-1", from, 1000);
  auto cancelled = cancel_action(store.db(), target.id, 2000);
  REQUIRE_OK(cancelled);
  CHECK_FALSE(*cancelled);
  const auto read = load_existing(store.db(), target.id);
  CHECK(read.status == from);
  CHECK(read.updated_at_ms == target.updated_at_ms);
  CHECK_FALSE(*cancel_action(store.db(), target.id + 1000, 2000));
}

TEST_CASE("a decision sends a waiting action back to the queue with the decision stored") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto waiting = in_state(store.db(), "k-1", action_status::needs_decision, 1000);
  auto decided = decide_action(store.db(), waiting.id, "approve", 5000);
  REQUIRE_OK(decided);
  CHECK(*decided);
  const auto pending = load_existing(store.db(), waiting.id);
  CHECK(pending.status == action_status::pending);
  CHECK(pending.decision == std::optional<std::string>("approve"));
  CHECK(pending.next_attempt_at_ms == 5000);
  CHECK_FALSE(pending.finished_at_ms.has_value());
  const auto running = claimed_one(store.db(), "worker", 5000);
  CHECK(running.id == waiting.id);
  CHECK(running.decision == std::optional<std::string>("approve"));
  CHECK(running.attempts == 2);  // the attempt that asked counts
  CHECK(running.lease_token == 2);
  // Not waiting any more: a second decision changes nothing.
  CHECK_FALSE(*decide_action(store.db(), waiting.id, "reject", 6000));
}

TEST_CASE("the decisions skip and cancel end a waiting action") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto skipped = in_state(store.db(), "k-1", action_status::needs_decision, 1000);
  const auto cancelled = in_state(store.db(), "k-2", action_status::needs_decision, 1000);
  REQUIRE(*decide_action(store.db(), skipped.id, skip_decision, 3000));
  REQUIRE(*decide_action(store.db(), cancelled.id, cancel_decision, 3000));
  const auto skip_read = load_existing(store.db(), skipped.id);
  CHECK(skip_read.status == action_status::succeeded);
  CHECK(skip_read.decision == std::optional<std::string>("skip"));
  CHECK(skip_read.finished_at_ms == std::optional<std::int64_t>(3000));
  const auto cancel_read = load_existing(store.db(), cancelled.id);
  CHECK(cancel_read.status == action_status::cancelled);
  CHECK(cancel_read.decision == std::optional<std::string>("cancel"));
  CHECK(claimed(store.db(), "worker", 10'000).empty());
}

TEST_CASE(
    "a decision on an action that is not waiting is refused, an empty or reserved one fails") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto waiting = in_state(store.db(), "k-2", action_status::needs_decision, 1000);
  const auto pending = in_state(store.db(), "k-1", action_status::pending, 1000);
  CHECK_FALSE(*decide_action(store.db(), pending.id, "approve", 2000));
  CHECK(load_existing(store.db(), pending.id).decision == std::nullopt);
  auto empty = decide_action(store.db(), waiting.id, "", 2000);
  REQUIRE_FALSE(empty.ok());
  CHECK_THAT(empty.failure().message, Contains("empty"));
  auto reserved = decide_action(store.db(), waiting.id, auto_skip_decision, 2000);
  REQUIRE_FALSE(reserved.ok());
  CHECK_THAT(reserved.failure().message, Contains("reserved"));
  CHECK(load_existing(store.db(), waiting.id).status == action_status::needs_decision);
}

TEST_CASE("an action waiting for a decision longer than the timeout is skipped automatically") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const std::int64_t hour = 3'600'000;
  const auto old_wait = in_state(store.db(), "k-1", action_status::needs_decision, 0);
  const auto new_wait = in_state(store.db(), "k-2", action_status::needs_decision, 2 * hour);
  const auto pending = in_state(store.db(), "k-3", action_status::pending, 0);

  // 24 h after the first began to wait, to the millisecond.
  auto skipped = skip_expired_decisions(store.db(), 24 * hour);
  REQUIRE_OK(skipped);
  CHECK(*skipped == 1);
  const auto old_read = load_existing(store.db(), old_wait.id);
  CHECK(old_read.status == action_status::succeeded);
  CHECK(old_read.decision == std::optional<std::string>("auto-skip"));
  CHECK(old_read.finished_at_ms == std::optional<std::int64_t>(24 * hour));
  CHECK(load_existing(store.db(), new_wait.id).status == action_status::needs_decision);
  CHECK(load_existing(store.db(), pending.id).status == action_status::pending);

  CHECK(*skip_expired_decisions(store.db(), 26 * hour - 1) == 0);
  CHECK(*skip_expired_decisions(store.db(), 3 * hour, hour) == 1);  // a shorter timeout
  CHECK(load_existing(store.db(), new_wait.id).status == action_status::succeeded);
}

TEST_CASE("a DLQ action retried by an operator is PENDING again with its attempts reset") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto dead = in_state(store.db(), "k-1", action_status::dlq, 1000);
  REQUIRE(dead.attempts == 1);
  auto retried = retry_dead_action(store.db(), dead.id, 8000);
  REQUIRE_OK(retried);
  CHECK(*retried);
  const auto pending = load_existing(store.db(), dead.id);
  CHECK(pending.status == action_status::pending);
  CHECK(pending.attempts == 0);
  CHECK(pending.next_attempt_at_ms == 8000);
  CHECK_FALSE(pending.finished_at_ms.has_value());
  CHECK(pending.last_error == std::optional<std::string>("boom"));
  const auto running = claimed_one(store.db(), "worker", 8000);
  CHECK(running.id == dead.id);
  CHECK(running.attempts == 1);
  CHECK(*complete_action(store.db(), running.id, running.lease_token, 9000));
  CHECK(load_existing(store.db(), dead.id).status == action_status::succeeded);
}

TEST_CASE("only DLQ actions can be retried by an operator") {
  const backend kind = GENERATE(from_range(test_backends()));
  const auto from =
      GENERATE(action_status::pending, action_status::running, action_status::needs_decision,
               action_status::succeeded, action_status::cancelled);
  migrated_database store(kind);
  CAPTURE(to_string(from));
  const auto target = in_state(store.db(), "k-1", from, 1000);
  CHECK_FALSE(*retry_dead_action(store.db(), target.id, 2000));
  CHECK(load_existing(store.db(), target.id).status == from);
}

TEST_CASE(
    "pruning deletes old SUCCEEDED and CANCELLED actions with their logs and keeps the rest") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto old_done = in_state(store.db(), "old-done", action_status::succeeded, 1000);
  REQUIRE_OK(log_attempt_start(store.db(), old_done.id, 1, old_done.lease_token, 1000));
  const auto old_cancelled = in_state(store.db(), "old-cancelled", action_status::cancelled, 1000);
  const auto old_dead = in_state(store.db(), "old-dead", action_status::dlq, 1000);
  const auto new_done = in_state(store.db(), "new-done", action_status::succeeded, 5000);
  const auto old_pending = in_state(store.db(), "old-pending", action_status::pending, 1000);

  auto pruned = prune_terminal_actions(store.db(), 5000);
  REQUIRE_OK(pruned);
  CHECK(*pruned == 2);
  for (auto id : {old_done.id, old_cancelled.id}) {
    auto loaded = load_action(store.db(), id);
    REQUIRE_OK(loaded);
    CHECK_FALSE(loaded->has_value());
  }
  auto logs = attempts_of(store.db(), old_done.id);
  REQUIRE_OK(logs);
  CHECK(logs->empty());
  for (auto id : {old_dead.id, old_pending.id, new_done.id})
    CHECK(load_action(store.db(), id)->has_value());

  // The key of a pruned action is free again.
  auto again = enqueue_action(store.db(), request("old-done"), 9000);
  REQUIRE_OK(again);
  CHECK(again->created);
  CHECK(again->queued.id != old_done.id);
}
