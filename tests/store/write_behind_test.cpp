// The store actor's write-behind buffer: bounded (the oldest events go
// first, counted), written in order, and kept when the database refuses.
// On SQLite and PostgreSQL.
#include "runtime/write_behind.hpp"

#include "runtime/store/statements.hpp"
#include "tests/store/scratch_database.hpp"

using namespace troupe;
using namespace troupe::store;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

runner_event event_at(std::int64_t at_ms) {
  runner_event event;
  event.at_ms = at_ms;
  event.kind = "plan";
  event.account_id = "a1";
  return event;
}

std::vector<std::int64_t> stored_times(database& db) {
  event_query query;
  query.limit = max_event_page;
  auto events = query_events(db, query);
  REQUIRE(events.ok());
  std::vector<std::int64_t> times;
  for (const auto& event : *events) times.push_back(event.at_ms);
  return times;
}

}  // namespace

TEST_CASE("the write-behind buffer drops its oldest events beyond its bound and writes the rest in order") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  write_behind pending(3);
  for (std::int64_t at = 1; at <= 5; ++at) pending.add(event_at(at));
  CHECK(pending.pending() == 3);
  CHECK(pending.dropped_events() == 2);

  REQUIRE(pending.flush(store.db()).ok());
  CHECK(pending.pending() == 0);
  CHECK(stored_times(store.db()) == std::vector<std::int64_t>{3, 4, 5});
}

TEST_CASE("the write-behind buffer keeps what the database refused and writes it once it can") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  write_behind pending;
  for (std::int64_t at = 1; at <= 3; ++at) pending.add(event_at(at));
  execute(store.db().session(), "ALTER TABLE runner_events RENAME TO runner_events_away");
  CHECK_FALSE(pending.flush(store.db()).ok());
  CHECK(pending.pending() == 3);

  execute(store.db().session(), "ALTER TABLE runner_events_away RENAME TO runner_events");
  REQUIRE(pending.flush(store.db()).ok());
  CHECK(pending.pending() == 0);
  CHECK(stored_times(store.db()) == std::vector<std::int64_t>{1, 2, 3});
}

TEST_CASE("the end of a session that does not run is dropped and holds up none of the writes after it") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  write_behind pending;
  session_record orphan_end;
  orphan_end.session_id = "never-started";
  orphan_end.ended_at_ms = 2000;
  orphan_end.outcome = "success";
  pending.add(orphan_end);
  pending.add(event_at(1));
  REQUIRE(pending.flush(store.db()).ok());
  CHECK(pending.pending() == 0);
  CHECK(stored_times(store.db()) == std::vector<std::int64_t>{1});
}
