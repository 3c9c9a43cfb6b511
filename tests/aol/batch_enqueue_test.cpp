// enqueue_actions (a batch in one statement) and the statements the queue
// keeps prepared on its connection, on every test backend.
#include <algorithm>
#include <set>

#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_claims.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"
#include "tests/aol/aol_fixtures.hpp"

using namespace troupe::store;
using namespace troupe::aol::testing;
using Catch::Matchers::Contains;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

std::vector<std::string> keys_of(const std::vector<action>& actions) {
  std::vector<std::string> keys;
  for (const auto& queued : actions) keys.push_back(queued.idempotency_key);
  return keys;
}

std::vector<action> every_action(database& db) {
  auto listed = list_actions(db, {std::nullopt, std::nullopt, 0, max_action_page});
  REQUIRE_OK(listed);
  return *listed;
}

}  // namespace

TEST_CASE("a batch enqueues every action as a single enqueue would, ids in the batch's order") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto without_run_at = request("b-3", 1);
  without_run_at.run_at_ms.reset();
  without_run_at.payload_json = R"({"text":"it's \"quoted\" and ünïcode"})";
  auto outcomes = enqueue_actions(
      store.db(), {request("b-1", 5, 9000, 4), request("b-2"), without_run_at}, 1000);
  REQUIRE_OK(outcomes);
  REQUIRE(outcomes->size() == 3);
  for (const auto& outcome : *outcomes) CHECK(outcome.created);
  const auto& first = (*outcomes)[0].queued;
  CHECK(first.type == "POST_SOCIAL");
  CHECK(first.payload_json == R"({"account":"acct-1","text":"hello"})");
  CHECK(first.idempotency_key == "b-1");
  CHECK(first.status == action_status::pending);
  CHECK(first.priority == 5);
  CHECK(first.attempts == 0);
  CHECK(first.max_attempts == 4);
  CHECK(first.run_at_ms == 9000);
  CHECK(first.next_attempt_at_ms == 9000);
  CHECK(first.lease_token == 0);
  CHECK(first.created_at_ms == 1000);
  CHECK(first.updated_at_ms == 1000);
  CHECK_FALSE(first.finished_at_ms.has_value());
  CHECK((*outcomes)[2].queued.run_at_ms == 1000);  // due now without run_at
  CHECK((*outcomes)[2].queued.payload_json == without_run_at.payload_json);
  CHECK((*outcomes)[0].queued.id < (*outcomes)[1].queued.id);
  CHECK((*outcomes)[1].queued.id < (*outcomes)[2].queued.id);
  CHECK(load_existing(store.db(), (*outcomes)[1].queued.id).idempotency_key == "b-2");
  CHECK(keys_of(every_action(store.db())) == std::vector<std::string>{"b-1", "b-2", "b-3"});
}

TEST_CASE("a key already queued or earlier in the same batch answers that action, not a copy") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto earlier = enqueued(store.db(), request("k-1", 2), 500);
  auto changed = request("k-1", 9);
  changed.payload_json = R"({"other":true})";
  auto outcomes = enqueue_actions(
      store.db(), {request("k-2"), changed, request("k-2", 7), request("k-3")}, 1000);
  REQUIRE_OK(outcomes);
  REQUIRE(outcomes->size() == 4);
  CHECK((*outcomes)[0].created);
  CHECK_FALSE((*outcomes)[1].created);
  CHECK((*outcomes)[1].queued.id == earlier.id);
  CHECK((*outcomes)[1].queued.priority == 2);
  CHECK((*outcomes)[1].queued.payload_json == earlier.payload_json);
  CHECK_FALSE((*outcomes)[2].created);
  CHECK((*outcomes)[2].queued.id == (*outcomes)[0].queued.id);
  CHECK((*outcomes)[2].queued.priority == 0);  // the first k-2's
  CHECK((*outcomes)[3].created);
  CHECK(keys_of(every_action(store.db())) == std::vector<std::string>{"k-1", "k-2", "k-3"});

  // The whole batch again: every key answers what the first batch made.
  auto again = enqueue_actions(store.db(), {request("k-2"), request("k-3")}, 2000);
  REQUIRE_OK(again);
  CHECK_FALSE((*again)[0].created);
  CHECK_FALSE((*again)[1].created);
  CHECK((*again)[0].queued.id == (*outcomes)[0].queued.id);
  CHECK((*again)[1].queued.id == (*outcomes)[3].queued.id);
  CHECK(every_action(store.db()).size() == 3);
}

TEST_CASE("a batch with one bad action writes nothing and names the item") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto not_json = request("bad");
  not_json.payload_json = "{account: 1";
  auto refused = enqueue_actions(store.db(), {request("ok-1"), request("ok-2"), not_json}, 1000);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.failure().message, Contains("item 2") && Contains("not JSON"));
  auto no_type = request("ok-3");
  no_type.type.clear();
  auto refused_type = enqueue_actions(store.db(), {no_type, request("ok-4")}, 1000);
  REQUIRE_FALSE(refused_type.ok());
  CHECK_THAT(refused_type.failure().message, Contains("item 0") && Contains("type"));
  std::vector<new_action> too_many;
  for (int i = 0; i <= max_enqueue_batch; ++i)
    too_many.push_back(request("many-" + std::to_string(i)));
  auto refused_size = enqueue_actions(store.db(), too_many, 1000);
  REQUIRE_FALSE(refused_size.ok());
  CHECK_THAT(refused_size.failure().message, Contains(std::to_string(max_enqueue_batch)));
  CHECK(every_action(store.db()).empty());
  auto empty = enqueue_actions(store.db(), {}, 1000);
  REQUIRE_OK(empty);
  CHECK(empty->empty());
}

TEST_CASE("a batch the database refuses part of leaves none of its actions behind") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  // A trigger that refuses one key: the database, not the checks, fails the
  // batch at its last row.
  if (kind == backend::sqlite) {
    REQUIRE_OK(guarded("trigger", [&] {
      execute(store.db().session(),
              "CREATE TRIGGER refuse_poison BEFORE INSERT ON aol_actions WHEN NEW.idempotency_key "
              "= 'poison'"
              " BEGIN SELECT RAISE(ABORT, 'poisoned'); END");
    }));
  } else {
    REQUIRE_OK(guarded("trigger", [&] {
      execute(store.db().session(),
              "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
              " IF NEW.idempotency_key = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN "
              "NEW; END $$");
      execute(store.db().session(),
              "CREATE TRIGGER refuse_poison BEFORE INSERT ON aol_actions FOR EACH ROW EXECUTE "
              "FUNCTION refuse_poison()");
    }));
  }
  auto refused =
      enqueue_actions(store.db(), {request("ok-1"), request("ok-2"), request("poison")}, 1000);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.failure().message, Contains("poisoned"));
  CHECK(every_action(store.db()).empty());
  // The connection and its kept statements go on working.
  auto accepted = enqueue_actions(store.db(), {request("ok-1"), request("ok-2")}, 1000);
  REQUIRE_OK(accepted);
  CHECK(every_action(store.db()).size() == 2);
}

TEST_CASE("concurrent batches over the same keys make one action per key and all get its id") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto dbs = connections(store.url(), 4);
  std::vector<new_action> batch;
  for (int i = 0; i < 50; ++i) batch.push_back(request("shared-" + std::to_string(i)));
  std::vector<std::vector<enqueue_outcome>> seen(dbs.size());
  std::vector<std::string> failures(dbs.size());
  run_concurrently(dbs, [&](std::size_t i, database& db) {
    auto outcomes = enqueue_actions(db, batch, 1000);
    if (!outcomes) {
      failures[i] = outcomes.failure().message;
      return;
    }
    seen[i] = *outcomes;
  });
  for (const auto& failure : failures) CHECK(failure.empty());
  for (std::size_t item = 0; item < batch.size(); ++item) {
    std::set<std::int64_t> ids;
    int created = 0;
    for (const auto& outcomes : seen) {
      REQUIRE(outcomes.size() == batch.size());
      ids.insert(outcomes[item].queued.id);
      created += outcomes[item].created ? 1 : 0;
    }
    CHECK(ids.size() == 1);
    CHECK(created == 1);
  }
  CHECK(every_action(store.db()).size() == batch.size());
}

TEST_CASE("the queue's kept statements leave no lock behind: another connection writes at once") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto impatient = database::open(store.url(), 0);  // SQLite: busy at once, no waiting
  REQUIRE_OK(impatient);
  auto& db = store.db();
  enqueued(db, request("k-1", 0, 0));
  enqueued(*impatient, request("k-2", 0, 0));
  REQUIRE_OK(enqueue_actions(db, {request("k-3", 0, 0), request("k-1")}, 0));
  REQUIRE_OK(enqueue_actions(*impatient, {request("k-4", 0, 0)}, 0));
  const auto running = claimed(db, "a", 10, 30'000, 2);
  REQUIRE(running.size() == 2);
  REQUIRE(claimed(*impatient, "b", 10, 30'000, 1).size() == 1);
  REQUIRE(*complete_actions(db, {{running[0].id, running[0].lease_token}}, 20) ==
          std::vector<bool>{true});
  REQUIRE(claimed(*impatient, "b", 20, 30'000, 1).size() == 1);
  REQUIRE(*fail_action(db, running[1].id, running[1].lease_token, {"boom", 0, false}, 30) ==
          failure_outcome::retrying);
  REQUIRE(*complete_action(*impatient, running[1].id, running[1].lease_token, 40) == false);
  CHECK(every_action(*impatient).size() == 4);
}

TEST_CASE("a connection moved onto another keeps working with the statements it kept") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto first = database::open(store.url());
  auto second = database::open(store.url());
  REQUIRE_OK(first);
  REQUIRE_OK(second);
  enqueued(*first, request("k-1"));
  enqueued(*second, request("k-2"));
  *first = std::move(*second);
  enqueued(*first, request("k-3"));
  REQUIRE_OK(enqueue_actions(*first, {request("k-4")}, 0));
  CHECK(every_action(*first).size() == 4);
}

TEST_CASE("an action named twice in one completion is completed once") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  enqueued(store.db(), request("k-1"));
  const auto running = claimed_one(store.db(), "a", 10);
  auto completed = complete_actions(
      store.db(), {{running.id, running.lease_token}, {running.id, running.lease_token}}, 20);
  REQUIRE_OK(completed);
  CHECK(*completed == std::vector<bool>{true, false});
  CHECK(load_existing(store.db(), running.id).status == action_status::succeeded);
}
