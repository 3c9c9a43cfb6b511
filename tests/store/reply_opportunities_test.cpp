#include "runtime/store/reply_opportunities.hpp"

#include <atomic>
#include <thread>

#include "tests/store/scratch_database.hpp"

using namespace troupe::store;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

new_reply_opportunity target(const std::string& account_id, const std::string& post_id,
                             std::int64_t discovered_at_ms) {
  new_reply_opportunity found;
  found.account_id = account_id;
  found.target_post_id = post_id;
  found.target_author_id = "author-of-" + post_id;
  found.target_text = "text of " + post_id;
  found.target_url = "https://example.invalid/" + post_id;
  found.discovered_at_ms = discovered_at_ms;
  return found;
}

std::int64_t inserted(database& db, const new_reply_opportunity& found) {
  auto id = insert_opportunity(db, found);
  REQUIRE_OK(id);
  REQUIRE(id->has_value());
  return **id;
}

std::vector<std::string> posts_of(const std::vector<reply_opportunity>& opportunities) {
  std::vector<std::string> posts;
  for (const auto& opportunity : opportunities) posts.push_back(opportunity.target_post_id);
  return posts;
}

std::vector<reply_opportunity> fresh_since(database& db, std::int64_t since_ms, int limit = 100) {
  auto found = fresh_opportunities(db, since_ms, limit);
  REQUIRE_OK(found);
  return *found;
}

std::int64_t fresh_count(database& db, const std::string& account, std::int64_t since_ms) {
  auto counted = count_fresh_opportunities(db, account, since_ms);
  REQUIRE_OK(counted);
  return *counted;
}

}  // namespace

TEST_CASE("an opportunity is recorded once per target, whichever account found it, and reads back open") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  const auto id = inserted(db, target("acct-1", "post-1", 1000));
  auto again = insert_opportunity(db, target("acct-1", "post-1", 2000));
  REQUIRE_OK(again);
  CHECK_FALSE(again->has_value());
  auto other_account = insert_opportunity(db, target("acct-2", "post-1", 2000));
  REQUIRE_OK(other_account);
  CHECK_FALSE(other_account->has_value());  // two accounts never reply to the same post

  auto loaded = load_opportunity(db, id);
  REQUIRE_OK(loaded);
  REQUIRE(loaded->has_value());
  const auto& found = **loaded;
  CHECK(found.account_id == "acct-1");
  CHECK(found.target_post_id == "post-1");
  CHECK(found.target_author_id == "author-of-post-1");
  CHECK(found.target_text == "text of post-1");
  CHECK(found.target_url == "https://example.invalid/post-1");
  CHECK(found.discovered_at_ms == 1000);
  CHECK(found.status == opportunity_status::open);
  CHECK_FALSE(found.decision_id);
  CHECK_FALSE(found.taken_at_ms);

  CHECK_FALSE(insert_opportunity(db, target("", "post-2", 1)).ok());
  CHECK_FALSE(insert_opportunity(db, target("acct-1", "", 1)).ok());
}

TEST_CASE("fresh opportunities are the open, not replied ones whose target is young enough, freshest first") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  inserted(db, target("acct-1", "p1", 1000));
  const auto taken = inserted(db, target("acct-1", "p2", 2000));
  inserted(db, target("acct-1", "p3", 3000));
  inserted(db, target("acct-2", "p4", 4000));
  auto posted_early = target("acct-2", "p5", 9000);  // found late, posted long before
  posted_early.metrics.posted_at_ms = 500;
  inserted(db, posted_early);
  REQUIRE_OK(take_opportunity(db, taken, "d-1", 5000));

  CHECK(posts_of(fresh_since(db, 0)) == std::vector<std::string>{"p4", "p3", "p1", "p5"});
  CHECK(posts_of(fresh_since(db, 0, 2)) == std::vector<std::string>{"p4", "p3"});
  CHECK(posts_of(fresh_since(db, 1000)) == std::vector<std::string>{"p4", "p3", "p1"});
  CHECK(fresh_count(db, "acct-1", 0) == 2);
  CHECK(fresh_count(db, "acct-1", 2500) == 1);
  CHECK(fresh_count(db, "acct-2", 1000) == 1);
  CHECK(fresh_count(db, "acct-3", 0) == 0);
  CHECK_FALSE(fresh_opportunities(db, 0, 0).ok());
}

TEST_CASE("what the harvester saw of a target reads back, and the summary counts the fresh ones") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  constexpr std::int64_t hour = 3'600'000;
  constexpr std::int64_t now = 100 * hour;
  auto seen = target("acct-1", "young", now);
  seen.metrics = {now - 2 * hour, 12345, 40, 7, 3};
  const auto id = inserted(db, seen);
  auto middle = target("acct-1", "middle", now);
  middle.metrics.posted_at_ms = now - 18 * hour;
  inserted(db, middle);
  auto old = target("acct-2", "old", now);
  old.metrics.posted_at_ms = now - 30 * hour;
  inserted(db, old);

  auto loaded = load_opportunity(db, id);
  REQUIRE_OK(loaded);
  REQUIRE(loaded->has_value());
  const auto& metrics = (*loaded)->metrics;
  CHECK(metrics.posted_at_ms == std::optional<std::int64_t>(now - 2 * hour));
  CHECK(metrics.author_followers == 12345);
  CHECK(metrics.likes == 40);
  CHECK(metrics.replies == 7);
  CHECK(metrics.reposts == 3);
  CHECK_FALSE((*loaded)->replied_to);
  CHECK(target_time_ms(**loaded) == now - 2 * hour);

  auto summary = summarize_opportunities(db, now);
  REQUIRE_OK(summary);
  CHECK(summary->total == 3);
  CHECK(summary->fresh_24h == 2);
  CHECK(summary->fresh_12h == 1);
  CHECK(summary->oldest_ms == std::optional<std::int64_t>(now - 30 * hour));
  CHECK(summary->newest_ms == std::optional<std::int64_t>(now - 2 * hour));

  REQUIRE_OK(take_opportunity(db, id, "d-young", now));
  auto of_decision = opportunity_of_decision(db, "d-young");
  REQUIRE_OK(of_decision);
  REQUIRE(of_decision->has_value());
  CHECK((*of_decision)->target_post_id == "young");
  auto marked = mark_preflight_stop(db, "d-young", "deleted");
  REQUIRE_OK(marked);
  CHECK(*marked);
  auto stopped = load_opportunity(db, id);
  REQUIRE_OK(stopped);
  CHECK((*stopped)->status == opportunity_status::skipped);
  CHECK((*stopped)->preflight_status == std::optional<std::string>("deleted"));
  auto unknown = mark_preflight_stop(db, "d-none", "deleted");
  REQUIRE_OK(unknown);
  CHECK_FALSE(*unknown);
}

TEST_CASE(
    "an opportunity is taken once: a second take, or a take of an unknown one, returns false") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  const auto id = inserted(db, target("acct-1", "post-1", 1000));
  auto first = take_opportunity(db, id, "d-1", 5000);
  REQUIRE_OK(first);
  CHECK(*first);
  auto second = take_opportunity(db, id, "d-2", 6000);
  REQUIRE_OK(second);
  CHECK_FALSE(*second);
  auto loaded = load_opportunity(db, id);
  REQUIRE_OK(loaded);
  CHECK((*loaded)->status == opportunity_status::taken);
  CHECK((*loaded)->decision_id == "d-1");
  CHECK((*loaded)->taken_at_ms == 5000);

  auto unknown = take_opportunity(db, id + 100, "d-3", 6000);
  REQUIRE_OK(unknown);
  CHECK_FALSE(*unknown);
  CHECK_FALSE(take_opportunity(db, id, "", 6000).ok());
}

TEST_CASE("of planners taking the same opportunity on their own connections, exactly one wins") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto id = inserted(store.db(), target("acct-1", "post-1", 1000));
  std::atomic<int> wins{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> planners;
  for (int i = 0; i < 4; ++i) {
    planners.emplace_back([&, i] {
      auto db = database::open(store.url());
      if (!db) return void(++failures);
      auto taken = take_opportunity(*db, id, "d-" + std::to_string(i), 5000);
      if (!taken) return void(++failures);
      if (*taken) ++wins;
    });
  }
  for (auto& planner : planners) planner.join();
  CHECK(failures == 0);
  CHECK(wins == 1);
}
