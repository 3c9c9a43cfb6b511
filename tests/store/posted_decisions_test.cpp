// Recording a post: the write-ahead mark, the one transaction of a post
// (posted_decisions row, status, features.tweet_id, the success event), and
// the post times the rate limits count. On SQLite and PostgreSQL.
#include "runtime/store/posted_decisions.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>

#include "runtime/store/content_decisions.hpp"
#include "runtime/store/statements.hpp"
#include "tests/store/decision_rows.hpp"
#include "tests/store/scratch_database.hpp"
#include "tests/support/fixed_time.hpp"

using namespace troupe::store;
using Catch::Matchers::Contains;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

void insert_posting(database& db, const std::string& id, const std::string& account,
                    decision_type type = decision_type::single) {
  content_decision decision;
  decision.decision_id = id;
  decision.account_id = account;
  decision.content = "text of " + id;
  decision.type = type;
  decision.features_json = R"({"quality":0.9})";
  REQUIRE_OK(insert_decision(db, decision, t0));
  REQUIRE_OK(set_decision_status(db, id, decision_status::posting, std::nullopt, t0));
}

long long count_rows(database& db, const std::string& query) {
  long long count = 0;
  query_first_row(db.session(), query, soci::into(count));
  return count;
}

}  // namespace

TEST_CASE("record_post writes the row the status the id and the success event together") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  insert_posting(db, "d-1", "acct-1");
  insert_posting(db, "r-1", "acct-2", decision_type::reply);
  auto marked = begin_post_attempt(db, "d-1", t0 + 5);
  REQUIRE_OK(marked);
  CHECK(*marked);
  CHECK(loaded_decision(db, "d-1").post_attempt_started_at_ms ==
        std::optional<std::int64_t>(t0 + 5));

  auto recorded = record_post(db, "d-1", "sim-abc", t0 + 10);
  REQUIRE_OK(recorded);
  CHECK(*recorded);
  const auto posted = loaded_decision(db, "d-1");
  CHECK(posted.status == decision_status::posted);
  CHECK_FALSE(posted.post_attempt_started_at_ms);
  const auto features = boost::json::parse(posted.features_json).as_object();
  CHECK(features.at("tweet_id") == "sim-abc");
  CHECK(features.at("quality").as_double() == 0.9);  // the other features stay
  CHECK(platform_post_id(db, "d-1").value() == std::optional<std::string>("sim-abc"));
  CHECK(count_rows(db, "SELECT COUNT(*) FROM system_events WHERE kind = 'POST_SUCCESS'") == 1);

  REQUIRE_OK(record_post(db, "r-1", "sim-reply", t0 + 20));
  CHECK(count_rows(db, "SELECT COUNT(*) FROM system_events WHERE kind = 'REPLY_SUCCESS'") == 1);

  auto again = record_post(db, "d-1", "sim-other", t0 + 30);  // a second reconcile finds it done
  REQUIRE_OK(again);
  CHECK_FALSE(*again);
  CHECK(platform_post_id(db, "d-1").value() == std::optional<std::string>("sim-abc"));
  CHECK(count_rows(db, "SELECT COUNT(*) FROM posted_decisions") == 2);
  CHECK(count_rows(db, "SELECT COUNT(*) FROM system_events") == 2);
}

TEST_CASE("record_post refuses a decision that is not on its way and an empty id") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  content_decision queued;
  queued.decision_id = "q-1";
  queued.account_id = "acct-1";
  REQUIRE_OK(insert_decision(db, queued, t0));
  const auto refused = record_post(db, "q-1", "sim-1", t0);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.failure().message, Contains("q-1 is queued"));
  CHECK_FALSE(record_post(db, "nobody", "sim-1", t0).ok());
  insert_posting(db, "d-1", "acct-1");
  CHECK_FALSE(record_post(db, "d-1", "", t0).ok());
  CHECK(count_rows(db, "SELECT COUNT(*) FROM posted_decisions") == 0);
  CHECK(loaded_decision(db, "d-1").status == decision_status::posting);
}

TEST_CASE("an unconfirmed decision can be recorded as posted and the mark goes with any status change") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  insert_posting(db, "d-1", "acct-1");
  REQUIRE_OK(begin_post_attempt(db, "d-1", t0 + 1));
  REQUIRE_OK(set_decision_status(db, "d-1", decision_status::unconfirmed, "the driver died", t0 + 2));
  CHECK_FALSE(loaded_decision(db, "d-1").post_attempt_started_at_ms);
  auto not_posting = begin_post_attempt(db, "d-1", t0 + 3);  // only a posting decision is marked
  REQUIRE_OK(not_posting);
  CHECK_FALSE(*not_posting);
  REQUIRE_OK(record_post(db, "d-1", "sim-late", t0 + 4));
  CHECK(loaded_decision(db, "d-1").status == decision_status::posted);
}

TEST_CASE("recent_post_times counts posts since a time and every post in flight at now") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  insert_posting(db, "old", "acct-1");
  REQUIRE_OK(record_post(db, "old", "p-old", t0 - 7'200'000));
  insert_posting(db, "recent", "acct-1");
  REQUIRE_OK(record_post(db, "recent", "p-recent", t0 - 60'000));
  insert_posting(db, "other", "acct-2");
  REQUIRE_OK(record_post(db, "other", "p-other", t0 - 30'000));
  insert_posting(db, "flying", "acct-2");
  insert_posting(db, "lost", "acct-3");
  REQUIRE_OK(set_decision_status(db, "lost", decision_status::unconfirmed, "timeout", t0));

  auto times = recent_post_times(db, t0 - 3'600'000, t0);
  REQUIRE_OK(times);
  std::vector<std::pair<std::string, std::int64_t>> seen;
  for (const auto& time : *times) seen.emplace_back(time.account_id, time.at_ms);
  CHECK(seen == std::vector<std::pair<std::string, std::int64_t>>{
                    {"acct-1", t0 - 60'000}, {"acct-2", t0 - 30'000}, {"acct-2", t0}, {"acct-3", t0}});
}
