#include "runtime/store/runner_summaries.hpp"

#include <soci/soci.h>

#include <thread>

#include "runtime/store/statements.hpp"
#include "tests/store/scratch_database.hpp"

using namespace troupe::store;
using Catch::Matchers::Contains;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

summary_delta one_session(const std::string& account_id, const std::string& activity) {
  summary_delta delta;
  delta.account_id = account_id;
  delta.day = "2025-03-14";
  delta.pod = "pod-a";
  delta.sessions = 1;
  delta.sessions_by_activity = {{activity, 1}};
  delta.active_ms = 60000;
  return delta;
}

std::vector<runner_summary> load_day(database& db, const std::string& day) {
  auto summaries = load_summaries(db, day);
  REQUIRE_OK(summaries);
  return *summaries;
}

}  // namespace

TEST_CASE("the first delta of an account's day creates its summary with the delta's counts") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  summary_delta delta = one_session("acct-1", "follow");
  delta.errors = 1;
  delta.skips = 2;
  delta.recoveries = 3;
  delta.bursts = 4;
  REQUIRE_OK(add_to_summary(store.db(), delta));
  const auto day = load_day(store.db(), "2025-03-14");
  REQUIRE(day.size() == 1);
  CHECK(day[0].account_id == "acct-1");
  CHECK(day[0].day == "2025-03-14");
  CHECK(day[0].pod == "pod-a");
  CHECK(day[0].sessions == 1);
  CHECK(day[0].sessions_by_activity == std::map<std::string, std::int64_t>{{"follow", 1}});
  CHECK(day[0].errors == 1);
  CHECK(day[0].skips == 2);
  CHECK(day[0].recoveries == 3);
  CHECK(day[0].bursts == 4);
  CHECK(day[0].active_ms == 60000);
}

TEST_CASE("later deltas add to every counter and to the per-activity counts") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  REQUIRE_OK(add_to_summary(store.db(), one_session("acct-1", "follow")));
  REQUIRE_OK(add_to_summary(store.db(), one_session("acct-1", "follow")));
  REQUIRE_OK(add_to_summary(store.db(), one_session("acct-1", "reels")));
  summary_delta skip;
  skip.account_id = "acct-1";
  skip.day = "2025-03-14";
  skip.pod = "pod-a";
  skip.skips = 1;
  REQUIRE_OK(add_to_summary(store.db(), skip));

  const auto day = load_day(store.db(), "2025-03-14");
  REQUIRE(day.size() == 1);
  CHECK(day[0].sessions == 3);
  CHECK(day[0].sessions_by_activity ==
        std::map<std::string, std::int64_t>{{"follow", 2}, {"reels", 1}});
  CHECK(day[0].skips == 1);
  CHECK(day[0].active_ms == 180000);
}

TEST_CASE("summaries are kept per account and day and listed by account for a day") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  REQUIRE_OK(add_to_summary(store.db(), one_session("acct-b", "follow")));
  REQUIRE_OK(add_to_summary(store.db(), one_session("acct-a", "follow")));
  auto next_day = one_session("acct-a", "stories");
  next_day.day = "2025-03-15";
  REQUIRE_OK(add_to_summary(store.db(), next_day));

  const auto first = load_day(store.db(), "2025-03-14");
  REQUIRE(first.size() == 2);
  CHECK(first[0].account_id == "acct-a");
  CHECK(first[1].account_id == "acct-b");
  CHECK(first[0].sessions_by_activity == std::map<std::string, std::int64_t>{{"follow", 1}});
  const auto second = load_day(store.db(), "2025-03-15");
  REQUIRE(second.size() == 1);
  CHECK(second[0].sessions_by_activity == std::map<std::string, std::int64_t>{{"stories", 1}});
  CHECK(load_day(store.db(), "2025-03-16").empty());
}

TEST_CASE("deltas from two connections at the same time all count") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto other = database::open(store.url());
  REQUIRE_OK(other);
  constexpr int deltas_each = 20;
  // Catch's assertions are not thread-safe: threads collect, the test checks.
  const auto add_many = [](database* db, std::string activity, std::vector<std::string>* errors) {
    for (int i = 0; i < deltas_each; ++i) {
      const auto added = add_to_summary(*db, one_session("acct-1", activity));
      if (!added) errors->push_back(added.failure().message);
    }
  };
  std::vector<std::string> errors_1, errors_2;
  std::thread first(add_many, &store.db(), "follow", &errors_1);
  std::thread second(add_many, &*other, "reels", &errors_2);
  first.join();
  second.join();
  CHECK(errors_1.empty());
  CHECK(errors_2.empty());
  const auto day = load_day(store.db(), "2025-03-14");
  REQUIRE(day.size() == 1);
  CHECK(day[0].sessions == 2 * deltas_each);
  CHECK(day[0].sessions_by_activity ==
        std::map<std::string, std::int64_t>{{"follow", deltas_each}, {"reels", deltas_each}});
}

TEST_CASE("a delta without an account or a day is refused") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto no_day = one_session("acct-1", "follow");
  no_day.day.clear();
  const auto refused = add_to_summary(store.db(), no_day);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.failure().message, Contains("needs an account id and a day"));
  CHECK_FALSE(add_to_summary(store.db(), one_session("", "follow")).ok());
}

TEST_CASE("a summary whose stored per-activity JSON is damaged fails to load and to grow") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  REQUIRE_OK(add_to_summary(store.db(), one_session("acct-1", "follow")));
  execute(store.db().session(), "UPDATE runner_summaries SET sessions_by_activity = '[1, 2]'");
  const auto loaded = load_summaries(store.db(), "2025-03-14");
  REQUIRE_FALSE(loaded.ok());
  CHECK_THAT(loaded.failure().message, Contains("sessions_by_activity of acct-1"));
  CHECK_FALSE(add_to_summary(store.db(), one_session("acct-1", "follow")).ok());
  int sessions = 0;
  execute(store.db().session(), "SELECT sessions FROM runner_summaries", soci::into(sessions));
  CHECK(sessions == 1);  // the failed delta was rolled back
}
