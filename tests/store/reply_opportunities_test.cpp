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

std::vector<reply_opportunity> open_of(database& db, const std::optional<std::string>& account,
                                       int limit = 100) {
  auto found = open_opportunities(db, account, limit);
  REQUIRE_OK(found);
  return *found;
}

}  // namespace

TEST_CASE("an opportunity is recorded once per account and target, and reads back open") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  const auto id = inserted(db, target("acct-1", "post-1", 1000));
  auto again = insert_opportunity(db, target("acct-1", "post-1", 2000));
  REQUIRE_OK(again);
  CHECK_FALSE(again->has_value());
  inserted(db, target("acct-2", "post-1", 2000));  // another account may reply to it too

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

TEST_CASE("open_opportunities lists the open ones of an account or of all, newest first") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  inserted(db, target("acct-1", "p1", 1000));
  const auto taken = inserted(db, target("acct-1", "p2", 2000));
  inserted(db, target("acct-1", "p3", 3000));
  inserted(db, target("acct-2", "p4", 4000));
  REQUIRE_OK(take_opportunity(db, taken, "d-1", 5000));

  CHECK(posts_of(open_of(db, std::string("acct-1"))) == std::vector<std::string>{"p3", "p1"});
  CHECK(posts_of(open_of(db, std::nullopt)) == std::vector<std::string>{"p4", "p3", "p1"});
  CHECK(posts_of(open_of(db, std::nullopt, 2)) == std::vector<std::string>{"p4", "p3"});
  CHECK(open_of(db, std::string("acct-3")).empty());
  CHECK_FALSE(open_opportunities(db, std::nullopt, 0).ok());
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
