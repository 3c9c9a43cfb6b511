#include "runtime/store/bandit_arms.hpp"

#include "tests/store/scratch_database.hpp"

using namespace troupe::store;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

bandit_arm arm_of(const std::string& scope, const std::string& name, double alpha, double beta) {
  bandit_arm arm;
  arm.scope = scope;
  arm.arm = name;
  arm.alpha = alpha;
  arm.beta = beta;
  return arm;
}

std::vector<bandit_arm> loaded_arms(database& db, const std::string& scope) {
  auto arms = load_bandit_arms(db, scope);
  REQUIRE_OK(arms);
  return *arms;
}

}  // namespace

TEST_CASE("a scope's arms are stored, loaded by name and replaced by an upsert") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  CHECK(loaded_arms(db, "content").empty());

  REQUIRE_OK(upsert_bandit_arm(db, arm_of("content", "question", 2, 3), 1000));
  REQUIRE_OK(upsert_bandit_arm(db, arm_of("content", "announcement", 1, 1), 1001));
  auto slot = arm_of("timing", "morning", 1, 1);
  slot.kind = bandit_kind::ucb;
  slot.pulls = 4;
  slot.reward_sum = 1.5;
  REQUIRE_OK(upsert_bandit_arm(db, slot, 1002));

  auto content = loaded_arms(db, "content");
  REQUIRE(content.size() == 2);
  CHECK(content[0].arm == "announcement");
  CHECK(content[1].arm == "question");
  CHECK(content[1].scope == "content");
  CHECK(content[1].kind == bandit_kind::thompson);
  CHECK(content[1].alpha == 2);
  CHECK(content[1].beta == 3);
  CHECK(content[1].updated_at_ms == 1000);

  auto learned = content[1];
  learned.alpha = 3.5;
  learned.pulls = 7;
  learned.reward_sum = 2.25;
  REQUIRE_OK(upsert_bandit_arm(db, learned, 2000));
  content = loaded_arms(db, "content");
  REQUIRE(content.size() == 2);
  CHECK(content[1].alpha == 3.5);
  CHECK(content[1].beta == 3);
  CHECK(content[1].pulls == 7);
  CHECK(content[1].reward_sum == 2.25);
  CHECK(content[1].updated_at_ms == 2000);

  auto timing = loaded_arms(db, "timing");
  REQUIRE(timing.size() == 1);
  CHECK(timing[0].kind == bandit_kind::ucb);
  CHECK(timing[0].pulls == 4);
  CHECK(timing[0].reward_sum == 1.5);
}

TEST_CASE("upsert_bandit_arm refuses an arm without a name or with impossible statistics") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto negative_pulls = arm_of("content", "a", 1, 1);
  negative_pulls.pulls = -1;
  for (const auto& bad :
       {arm_of("", "a", 1, 1), arm_of("content", "", 1, 1), arm_of("content", "a", 0, 1),
        arm_of("content", "a", 1, -2), arm_of("content", "a", std::nan(""), 1), negative_pulls}) {
    CHECK_FALSE(upsert_bandit_arm(store.db(), bad, 1).ok());
  }
  CHECK(loaded_arms(store.db(), "content").empty());
}

TEST_CASE("every scope's arms load together, by scope then arm name") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  auto none = load_all_bandit_arms(db);
  REQUIRE_OK(none);
  CHECK(none->empty());

  REQUIRE_OK(upsert_bandit_arm(db, arm_of("reply:content", "question", 2, 3), 1000));
  REQUIRE_OK(upsert_bandit_arm(db, arm_of("plan:content", "tip", 4, 1), 1001));
  REQUIRE_OK(upsert_bandit_arm(db, arm_of("plan:content", "announcement", 1, 1), 1002));

  auto all = load_all_bandit_arms(db);
  REQUIRE_OK(all);
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].scope + "/" + (*all)[0].arm == "plan:content/announcement");
  CHECK((*all)[1].scope + "/" + (*all)[1].arm == "plan:content/tip");
  CHECK((*all)[1].alpha == 4);
  CHECK((*all)[2].scope + "/" + (*all)[2].arm == "reply:content/question");
  CHECK((*all)[2].beta == 3);
}
