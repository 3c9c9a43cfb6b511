#include <soci/soci.h>

#include "runtime/store/aol_control_flags.hpp"
#include "runtime/store/aol_execution_logs.hpp"
#include "runtime/store/aol_tick_ledger.hpp"
#include "runtime/store/statements.hpp"
#include "tests/aol/aol_fixtures.hpp"

using namespace troupe::store;
using namespace troupe::aol::testing;
using Catch::Matchers::Contains;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

TEST_CASE("a tick is RUNNING from its start and records status, counts and duration at its end") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto id = begin_tick(store.db(), "daemon-a", 3, 10'000);
  REQUIRE_OK(id);
  auto ticks = recent_ticks(store.db(), 10);
  REQUIRE_OK(ticks);
  REQUIRE(ticks->size() == 1);
  CHECK(ticks->front().id == *id);
  CHECK(ticks->front().status == tick_status::running);
  CHECK(ticks->front().owner == "daemon-a");
  CHECK(ticks->front().epoch == 3);
  CHECK(ticks->front().started_at_ms == 10'000);
  CHECK_FALSE(ticks->front().finished_at_ms.has_value());
  CHECK_FALSE(ticks->front().duration_ms.has_value());

  REQUIRE_OK(finish_tick(store.db(), *id, tick_status::success, 5, 4, 12'340));
  ticks = recent_ticks(store.db(), 10);
  REQUIRE_OK(ticks);
  const auto& tick = ticks->front();
  CHECK(tick.status == tick_status::success);
  CHECK(tick.attempted == 5);
  CHECK(tick.succeeded == 4);
  CHECK(tick.finished_at_ms == std::optional<std::int64_t>(12'340));
  CHECK(tick.duration_ms == std::optional<std::int64_t>(2340));

  auto twice = finish_tick(store.db(), *id, tick_status::error, 0, 0, 13'000);
  REQUIRE_FALSE(twice.ok());
  CHECK_THAT(twice.failure().message, Contains("no running tick"));
}

TEST_CASE("recent ticks come newest first, at most the limit") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 4; ++i) {
    auto id = begin_tick(store.db(), "daemon-a", 1, i * 1000);
    REQUIRE_OK(id);
    REQUIRE_OK(finish_tick(store.db(), *id, tick_status::paused, 0, 0, i * 1000 + 5));
    ids.push_back(*id);
  }
  auto ticks = recent_ticks(store.db(), 3);
  REQUIRE_OK(ticks);
  REQUIRE(ticks->size() == 3);
  CHECK(ticks->at(0).id == ids[3]);
  CHECK(ticks->at(1).id == ids[2]);
  CHECK(ticks->at(2).id == ids[1]);
  CHECK(ticks->at(0).status == tick_status::paused);
  CHECK_FALSE(recent_ticks(store.db(), 0).ok());
}

TEST_CASE("a tick cannot finish as RUNNING, with negative counts or more successes than attempts") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto id = begin_tick(store.db(), "daemon-a", 1, 0);
  REQUIRE_OK(id);
  CHECK_FALSE(finish_tick(store.db(), *id, tick_status::running, 0, 0, 1).ok());
  CHECK_FALSE(finish_tick(store.db(), *id, tick_status::success, -1, 0, 1).ok());
  CHECK_FALSE(finish_tick(store.db(), *id, tick_status::success, 1, 2, 1).ok());
  CHECK_FALSE(finish_tick(store.db(), *id + 1, tick_status::success, 0, 0, 1).ok());
  CHECK_FALSE(begin_tick(store.db(), "", 1, 0).ok());
  CHECK(recent_ticks(store.db(), 1)->front().status == tick_status::running);
  for (auto status :
       {tick_status::running, tick_status::success, tick_status::error, tick_status::paused}) {
    CHECK(parse_tick_status(to_string(status)) == status);
  }
}

TEST_CASE("control flags are false until set, and read back as set") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto flags = load_control_flags(store.db());
  REQUIRE_OK(flags);
  CHECK_FALSE(flags->paused);
  CHECK_FALSE(flags->proof);

  REQUIRE_OK(set_control_flag(store.db(), "paused", true, 1000));
  flags = load_control_flags(store.db());
  REQUIRE_OK(flags);
  CHECK(flags->paused);
  CHECK_FALSE(flags->proof);

  REQUIRE_OK(set_control_flag(store.db(), "proof", true, 2000));
  REQUIRE_OK(set_control_flag(store.db(), "paused", false, 3000));
  flags = load_control_flags(store.db());
  REQUIRE_OK(flags);
  CHECK_FALSE(flags->paused);
  CHECK(flags->proof);

  std::string value;
  std::int64_t updated_at_ms = 0;
  execute(store.db().session(),
          "SELECT value, updated_at_ms FROM aol_control_flags WHERE name = 'paused'",
          soci::into(value), soci::into(updated_at_ms));
  CHECK(value == "false");
  CHECK(updated_at_ms == 3000);
}

TEST_CASE(
    "an unknown control flag is refused, a stored value that is not a boolean fails the read") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto unknown = set_control_flag(store.db(), "turbo", true, 1000);
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.failure().message, Contains("unknown control flag 'turbo'"));
  CHECK_THAT(unknown.failure().message, Contains("paused, proof"));
  CHECK(control_flag_names() == std::vector<std::string>{"paused", "proof"});

  execute(store.db().session(),
          "INSERT INTO aol_control_flags (name, value, updated_at_ms) VALUES ('proof', 'yes', 0)");
  auto flags = load_control_flags(store.db());
  REQUIRE_FALSE(flags.ok());
  CHECK_THAT(flags.failure().message, Contains("neither true nor false"));
}

TEST_CASE("every attempt at an action is logged from its start to its outcome") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto queued = enqueued(store.db(), "k-1");
  const auto first = claimed_one(store.db(), "daemon-a", 0);
  auto first_log = log_attempt_start(store.db(), queued.id, first.attempts, first.lease_token, 100);
  REQUIRE_OK(first_log);
  REQUIRE_OK(log_attempt_end(store.db(), *first_log, attempt_outcome::failed,
                             std::string("HTTP 503"), std::nullopt, 400));
  auto second_log = log_attempt_start(store.db(), queued.id, 2, 2, 5000);
  REQUIRE_OK(second_log);

  auto attempts = attempts_of(store.db(), queued.id);
  REQUIRE_OK(attempts);
  REQUIRE(attempts->size() == 2);
  const auto& failed = attempts->at(0);
  CHECK(failed.id == *first_log);
  CHECK(failed.action_id == queued.id);
  CHECK(failed.attempt == 1);
  CHECK(failed.lease_token == 1);
  CHECK(failed.started_at_ms == 100);
  CHECK(failed.ended_at_ms == std::optional<std::int64_t>(400));
  CHECK(failed.outcome == std::optional<attempt_outcome>(attempt_outcome::failed));
  CHECK(failed.error == std::optional<std::string>("HTTP 503"));
  CHECK_FALSE(failed.artifact.has_value());
  const auto& open = attempts->at(1);
  CHECK(open.attempt == 2);
  CHECK(open.lease_token == 2);
  CHECK_FALSE(open.ended_at_ms.has_value());
  CHECK_FALSE(open.outcome.has_value());

  REQUIRE_OK(log_attempt_end(store.db(), *second_log, attempt_outcome::succeeded, std::nullopt,
                             std::string("proof/k-1.json"), 5200));
  CHECK(attempts_of(store.db(), queued.id)->at(1).artifact ==
        std::optional<std::string>("proof/k-1.json"));
  auto twice = log_attempt_end(store.db(), *second_log, attempt_outcome::fenced, std::nullopt,
                               std::nullopt, 5300);
  REQUIRE_FALSE(twice.ok());
  CHECK_THAT(twice.failure().message, Contains("no unfinished attempt"));
  CHECK(attempts_of(store.db(), queued.id + 1)->empty());
}

TEST_CASE("an attempt at an action that does not exist is refused") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  CHECK_FALSE(log_attempt_start(store.db(), 4242, 1, 1, 0).ok());
  for (auto outcome : {attempt_outcome::succeeded, attempt_outcome::failed,
                       attempt_outcome::needs_decision, attempt_outcome::fenced}) {
    CHECK(parse_attempt_outcome(to_string(outcome)) == outcome);
  }
}
