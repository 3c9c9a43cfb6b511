#include "runtime/store/accounts.hpp"

#include <soci/soci.h>

#include "runtime/store/statements.hpp"
#include "tests/store/scratch_database.hpp"

using namespace troupe::store;
using Catch::Matchers::Contains;
using troupe::account_state;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

account_state busy_account(const std::string& id, const std::string& pod) {
  account_state state;
  state.account_id = id;
  state.pod = pod;
  state.day = "2025-03-14";
  state.energy = 0.625;
  state.starts_today = {{"follow", 2}, {"reels", 1}};
  state.done_today = {{"follow", 57}};
  state.next_eligible_at_ms = 1741950000123;
  state.last_start_at_ms = {{"follow", 1741940000000}, {"stories", 1741930000000}};
  state.last_session_end_ms = 1741940900000;
  state.error_streak = 2;
  state.needs_recovery = true;
  state.parked_at_ms = 1741941000000;
  state.running_session = "s-42";
  state.targets_cursor = 120;
  state.updated_at_ms = 1741941000001;
  return state;
}

void check_same(const account_state& a, const account_state& b) {
  CHECK(a.account_id == b.account_id);
  CHECK(a.pod == b.pod);
  CHECK(a.day == b.day);
  CHECK(a.energy == b.energy);
  CHECK(a.starts_today == b.starts_today);
  CHECK(a.done_today == b.done_today);
  CHECK(a.next_eligible_at_ms == b.next_eligible_at_ms);
  CHECK(a.last_start_at_ms == b.last_start_at_ms);
  CHECK(a.last_session_end_ms == b.last_session_end_ms);
  CHECK(a.error_streak == b.error_streak);
  CHECK(a.needs_recovery == b.needs_recovery);
  CHECK(a.parked_at_ms == b.parked_at_ms);
  CHECK(a.running_session == b.running_session);
  CHECK(a.targets_cursor == b.targets_cursor);
  CHECK(a.updated_at_ms == b.updated_at_ms);
}

account_state existing_account(database& db, const std::string& id) {
  auto loaded = load_account(db, id);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->has_value());
  return **loaded;
}

}  // namespace

TEST_CASE("a saved account loads back with every field and its JSON maps") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto saved = busy_account("acct-1", "pod-a");
  REQUIRE_OK(save_account(store.db(), saved));
  check_same(existing_account(store.db(), "acct-1"), saved);
}

TEST_CASE("an account with default state round trips, empty maps included") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  account_state fresh;
  fresh.account_id = "acct-new";
  fresh.pod = "pod-a";
  REQUIRE_OK(save_account(store.db(), fresh));
  check_same(existing_account(store.db(), "acct-new"), fresh);
}

TEST_CASE("loading an unknown account gives no account, not an error") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto loaded = load_account(store.db(), "nobody");
  REQUIRE(loaded.ok());
  CHECK_FALSE(loaded->has_value());
}

TEST_CASE("saving an existing account replaces its stored state") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  REQUIRE_OK(save_account(store.db(), busy_account("acct-1", "pod-a")));
  account_state changed;
  changed.account_id = "acct-1";
  changed.pod = "pod-b";
  changed.starts_today = {{"unfollow", 1}};
  REQUIRE_OK(save_account(store.db(), changed));
  check_same(existing_account(store.db(), "acct-1"), changed);
  auto all = load_accounts(store.db(), "");
  REQUIRE(all.ok());
  CHECK(all->size() == 1);
}

TEST_CASE("saving an account without an id is refused") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto saved = save_account(store.db(), account_state{});
  REQUIRE_FALSE(saved.ok());
  CHECK_THAT(saved.failure().message, Contains("without an account id"));
}

TEST_CASE("load_accounts gives a pod's accounts by id, or every account for an empty pod") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  for (const auto& [id, pod] : std::vector<std::pair<std::string, std::string>>{
           {"c", "pod-a"}, {"a", "pod-a"}, {"b", "pod-b"}}) {
    REQUIRE_OK(save_account(store.db(), busy_account(id, pod)));
  }
  const auto ids = [](const std::vector<account_state>& accounts) {
    std::vector<std::string> result;
    for (const auto& account : accounts) result.push_back(account.account_id);
    return result;
  };
  auto pod_a = load_accounts(store.db(), "pod-a");
  REQUIRE(pod_a.ok());
  CHECK(ids(*pod_a) == std::vector<std::string>{"a", "c"});
  auto every = load_accounts(store.db(), "");
  REQUIRE(every.ok());
  CHECK(ids(*every) == std::vector<std::string>{"a", "b", "c"});
  auto none = load_accounts(store.db(), "pod-z");
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("clear_stale_running clears every running session and counts them") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto running_1 = busy_account("a", "pod-a");
  auto running_2 = busy_account("b", "pod-b");
  auto idle = busy_account("c", "pod-a");
  idle.running_session.clear();
  for (const auto& state : {running_1, running_2, idle}) {
    REQUIRE_OK(save_account(store.db(), state));
  }
  auto cleared = clear_stale_running(store.db());
  REQUIRE(cleared.ok());
  CHECK(*cleared == 2);
  for (const char* id : {"a", "b", "c"}) {
    CHECK(existing_account(store.db(), id).running_session.empty());
  }
  CHECK(existing_account(store.db(), "a").targets_cursor == running_1.targets_cursor);
  auto again = clear_stale_running(store.db());
  REQUIRE(again.ok());
  CHECK(*again == 0);
}

TEST_CASE("set_needs_recovery parks an account and clearing it unparks") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  account_state state;
  state.account_id = "acct-1";
  state.pod = "pod-a";
  state.error_streak = 5;
  REQUIRE_OK(save_account(store.db(), state));

  REQUIRE_OK(set_needs_recovery(store.db(), "acct-1", true, 1000));
  auto parked = existing_account(store.db(), "acct-1");
  CHECK(parked.needs_recovery);
  CHECK(parked.parked_at_ms == 1000);
  CHECK(parked.updated_at_ms == 1000);
  CHECK(parked.error_streak == 5);

  REQUIRE_OK(set_needs_recovery(store.db(), "acct-1", false, 2000));
  auto cleared = existing_account(store.db(), "acct-1");
  CHECK_FALSE(cleared.needs_recovery);
  CHECK(cleared.parked_at_ms == 0);
  CHECK(cleared.updated_at_ms == 2000);
}

TEST_CASE("set_needs_recovery of an unknown account fails") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto set = set_needs_recovery(store.db(), "nobody", true, 1000);
  REQUIRE_FALSE(set.ok());
  CHECK_THAT(set.failure().message, Contains("no account nobody"));
}

TEST_CASE("an account whose stored JSON is damaged loads as an error naming the column") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  REQUIRE_OK(save_account(store.db(), busy_account("acct-1", "pod-a")));
  execute(store.db().session(), "UPDATE accounts SET done_today = '{\"follow\": \"many\"}'");
  auto loaded = load_account(store.db(), "acct-1");
  REQUIRE_FALSE(loaded.ok());
  CHECK_THAT(loaded.failure().message, Contains("done_today"));
  CHECK_FALSE(load_accounts(store.db(), "").ok());
}

TEST_CASE("account calls on a database without tables fail with a reason") {
  const backend kind = GENERATE(from_range(test_backends()));
  troupe::store::testing::scratch_database empty(kind);
  auto loaded = load_account(empty.db(), "acct-1");
  REQUIRE_FALSE(loaded.ok());
  CHECK_THAT(loaded.failure().message, Contains("cannot load account acct-1: "));
  CHECK_THAT(loaded.failure().message, Contains("accounts"));
  CHECK_FALSE(save_account(empty.db(), busy_account("acct-1", "pod-a")).ok());
  CHECK_FALSE(clear_stale_running(empty.db()).ok());
}
