#include "runtime/store/runner_events.hpp"

#include <soci/soci.h>

#include "runtime/store/statements.hpp"
#include "tests/store/scratch_database.hpp"

using namespace troupe::store;
using Catch::Matchers::Contains;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

runner_event event_at(std::int64_t at_ms, const std::string& kind, const std::string& pod,
                      const std::string& account_id) {
  runner_event event;
  event.at_ms = at_ms;
  event.kind = kind;
  event.pod = pod;
  event.account_id = account_id;
  return event;
}

std::vector<std::int64_t> times_of(const std::vector<runner_event>& events) {
  std::vector<std::int64_t> times;
  for (const auto& event : events) times.push_back(event.at_ms);
  return times;
}

std::vector<runner_event> query(database& db, const event_query& q) {
  auto events = query_events(db, q);
  REQUIRE(events.ok());
  return *events;
}

// Ten events at 100, 200, ... 1000 over two pods, three accounts and two kinds.
void append_ten(database& db) {
  std::vector<runner_event> events;
  for (int i = 1; i <= 10; ++i) {
    events.push_back(event_at(i * 100, i % 2 == 0 ? "start" : "skip", i <= 5 ? "pod-a" : "pod-b",
                              "acct-" + std::to_string(i % 3)));
  }
  REQUIRE_OK(append_events(db, events));
}

}  // namespace

TEST_CASE("an appended event reads back with every field, and ids grow") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  runner_event finish;
  finish.at_ms = 1741950000123;
  finish.kind = "finish";
  finish.pod = "pod-a";
  finish.account_id = "acct-1";
  finish.session_id = "s-1";
  finish.activity = "follow";
  finish.mood = "MorningRush";
  finish.reason = "ok";
  finish.duration_ms = 93000;
  finish.exit_code = 0;
  finish.burst = true;
  finish.energy = 0.75;
  finish.detail = R"({"count":12})";
  auto first = append_event(store.db(), finish);
  REQUIRE(first.ok());
  auto second = append_event(store.db(), event_at(5, "plan", "", ""));
  REQUIRE(second.ok());
  CHECK(*second > *first);

  const auto events = query(store.db(), event_query{});
  REQUIRE(events.size() == 2);
  const auto& read = events[0];
  CHECK(read.id == *first);
  CHECK(read.at_ms == finish.at_ms);
  CHECK(read.kind == "finish");
  CHECK(read.pod == "pod-a");
  CHECK(read.account_id == "acct-1");
  CHECK(read.session_id == "s-1");
  CHECK(read.activity == "follow");
  CHECK(read.mood == "MorningRush");
  CHECK(read.reason == "ok");
  CHECK(read.duration_ms == std::optional<std::int64_t>(93000));
  CHECK(read.exit_code == std::optional<int>(0));
  CHECK(read.burst);
  CHECK(read.energy == std::optional<double>(0.75));
  CHECK(read.detail == R"({"count":12})");
}

TEST_CASE("an event's absent duration, exit code and energy read back as absent") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  REQUIRE_OK(append_event(store.db(), event_at(1, "skip", "pod-a", "acct-1")));
  const auto events = query(store.db(), event_query{});
  REQUIRE(events.size() == 1);
  CHECK_FALSE(events[0].duration_ms.has_value());
  CHECK_FALSE(events[0].exit_code.has_value());
  CHECK_FALSE(events[0].energy.has_value());
  CHECK_FALSE(events[0].burst);
  CHECK(events[0].session_id.empty());
  CHECK(events[0].detail.empty());
}

TEST_CASE("events come by ascending id in keyset pages") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  append_ten(store.db());
  event_query page_query;
  page_query.limit = 4;
  std::vector<std::int64_t> seen;
  std::vector<std::size_t> page_sizes;
  for (;;) {
    const auto page = query(store.db(), page_query);
    if (page.empty()) break;
    page_sizes.push_back(page.size());
    for (const auto& event : page) seen.push_back(event.at_ms);
    page_query.after_id = page.back().id;
  }
  CHECK(page_sizes == std::vector<std::size_t>{4, 4, 2});
  CHECK(seen == std::vector<std::int64_t>{100, 200, 300, 400, 500, 600, 700, 800, 900, 1000});
}

TEST_CASE("event filters by time range, pod, account and kind all apply together") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  append_ten(store.db());

  event_query by_time;
  by_time.since_ms = 300;
  by_time.until_ms = 700;
  CHECK(times_of(query(store.db(), by_time)) == std::vector<std::int64_t>{300, 400, 500, 600});

  event_query by_pod;
  by_pod.pod = "pod-b";
  CHECK(times_of(query(store.db(), by_pod)) == std::vector<std::int64_t>{600, 700, 800, 900, 1000});

  event_query by_account;
  by_account.account_id = "acct-1";
  CHECK(times_of(query(store.db(), by_account)) == std::vector<std::int64_t>{100, 400, 700, 1000});

  event_query by_kind;
  by_kind.kind = "start";
  CHECK(times_of(query(store.db(), by_kind)) ==
        std::vector<std::int64_t>{200, 400, 600, 800, 1000});

  event_query all_of_them;
  all_of_them.since_ms = 200;
  all_of_them.until_ms = 1000;
  all_of_them.pod = "pod-b";
  all_of_them.account_id = "acct-1";
  all_of_them.kind = "skip";
  CHECK(times_of(query(store.db(), all_of_them)) == std::vector<std::int64_t>{700});

  event_query after_paging = by_kind;
  after_paging.after_id = query(store.db(), by_kind)[1].id;
  CHECK(times_of(query(store.db(), after_paging)) == std::vector<std::int64_t>{600, 800, 1000});
}

TEST_CASE("a batch of events is appended whole or not at all") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  std::vector<runner_event> batch{event_at(1, "plan", "pod-a", ""), event_at(2, "", "pod-a", "")};
  const auto refused = append_events(store.db(), batch);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.failure().message, Contains("needs a kind"));
  CHECK(query(store.db(), event_query{}).empty());

  REQUIRE_OK(append_events(store.db(), std::vector<runner_event>{}));
  batch[1].kind = "start";
  REQUIRE_OK(append_events(store.db(), batch));
  CHECK(times_of(query(store.db(), event_query{})) == std::vector<std::int64_t>{1, 2});
}

TEST_CASE("a batch that fails in the database midway leaves no event behind") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  // The store never fails on its own rows; a test-only unique index makes the
  // third row of the batch fail.
  execute(store.db().session(),
          "CREATE UNIQUE INDEX one_event_per_instant ON runner_events (at_ms)");
  const std::vector<runner_event> batch{event_at(1, "plan", "pod-a", ""),
                                        event_at(2, "start", "pod-a", ""),
                                        event_at(1, "finish", "pod-a", "")};
  const auto appended = append_events(store.db(), batch);
  REQUIRE_FALSE(appended.ok());
  CHECK_THAT(appended.failure().message, Contains("cannot append 3 events: "));
  CHECK(query(store.db(), event_query{}).empty());
}

TEST_CASE("an event page must hold between 1 and max_event_page events") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  for (int limit : {0, -1, max_event_page + 1}) {
    event_query bad;
    bad.limit = limit;
    const auto events = query_events(store.db(), bad);
    REQUIRE_FALSE(events.ok());
    CHECK_THAT(events.failure().message, Contains("an event page holds"));
  }
  event_query largest;
  largest.limit = max_event_page;
  CHECK(query_events(store.db(), largest).ok());
}
