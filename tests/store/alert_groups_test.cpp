// Item 5 (notifications) on each backend: alert groups gather on the action
// queue until the loop claims them; concurrent callers share one group.
#include "runtime/store/alert_groups.hpp"

#include <boost/json.hpp>
#include <set>
#include <thread>

#include "runtime/ops/notify.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_claims.hpp"
#include "tests/store/scratch_database.hpp"

using namespace troupe;
using namespace troupe::store;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;
namespace json = boost::json;

namespace {

constexpr std::int64_t start_ms = 1'795'780'800'000;

config::troupe_config notify_config(const std::string& db_url, std::int64_t group_ms,
                                    int max_per_hour) {
  config::troupe_config config;
  config.db.url = db_url;
  config.notify.url = "http://127.0.0.1:9/hooks/alerts";
  config.notify.group_ms = group_ms;
  config.notify.max_per_hour = max_per_hour;
  return config;
}

ops::alert raised(const std::string& name, std::int64_t at_ms) {
  ops::alert out;
  out.labels = {{"alertname", name}, {"severity", "warning"}};
  out.starts_at_ms = at_ms;
  return out;
}

std::vector<action> groups(database& db) {
  action_query query;
  query.type = alert_group_action;
  auto listed = list_actions(db, query);
  REQUIRE_OK(listed);
  return *listed;
}

std::size_t alert_count(const action& group) {
  return json::parse(group.payload_json).at("alerts").as_array().size();
}

}  // namespace

TEST_CASE("alerts raised while a group is open join it, and a claimed group takes no more") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto config = notify_config(store.url(), 30'000, 30);

  auto first = ops::notify(store.db(), config, {raised("a", start_ms)}, start_ms);
  REQUIRE_OK(first);
  REQUIRE(*first);
  CHECK((*first)->new_group);
  CHECK((*first)->send_at_ms == start_ms + 30'000);
  auto second =
      ops::notify(store.db(), config, {raised("b", start_ms + 1000), raised("c", start_ms + 1000)},
                  start_ms + 1000);
  REQUIRE_OK(second);
  CHECK_FALSE((*second)->new_group);
  CHECK((*second)->action_id == (*first)->action_id);
  REQUIRE(groups(store.db()).size() == 1);
  CHECK(alert_count(groups(store.db())[0]) == 3);
  CHECK(groups(store.db())[0].run_at_ms == start_ms + 30'000);

  auto claimed = claim_due_actions(store.db(), "loop", start_ms + 30'000, 60'000, 10);
  REQUIRE_OK(claimed);
  REQUIRE(claimed->size() == 1);
  auto late = amend_open_alert_group(store.db(), (*first)->action_id, (*claimed)[0].payload_json,
                                     "{}", start_ms + 30'001);
  REQUIRE_OK(late);
  CHECK_FALSE(*late);  // the claim won
  auto third = ops::notify(store.db(), config, {raised("d", start_ms + 30'001)}, start_ms + 30'001);
  REQUIRE_OK(third);
  CHECK((*third)->new_group);
  CHECK(groups(store.db()).size() == 2);
  CHECK(alert_count(groups(store.db())[0]) == 3);
}

TEST_CASE("without notify.url nothing is queued") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto config = notify_config(store.url(), 30'000, 30);
  config.notify.url.clear();
  auto none = ops::notify(store.db(), config, {raised("a", start_ms)}, start_ms);
  REQUIRE_OK(none);
  CHECK_FALSE(*none);
  CHECK(groups(store.db()).empty());
}

TEST_CASE("alerts from several connections at once all land in as few groups as were open") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto config = notify_config(store.url(), 60'000, 30);
  constexpr int callers = 4;
  constexpr int alerts_each = 10;
  std::vector<std::string> failures(callers);
  std::vector<std::thread> threads;
  for (int caller = 0; caller < callers; ++caller) {
    threads.emplace_back([&, caller] {
      auto db = database::open(store.url());
      if (!db) return void(failures[caller] = db.failure().message);
      for (int i = 0; i < alerts_each; ++i) {
        const auto name = "c" + std::to_string(caller) + "-" + std::to_string(i);
        auto notified = ops::notify(*db, config, {raised(name, start_ms + i)}, start_ms + i);
        if (!notified) return void(failures[caller] = notified.failure().message);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& failure : failures) CHECK(failure == "");
  // Never claimed, so the groups stay open: callers that found none at the
  // same moment may each have opened one, but no alert is lost or doubled.
  const auto queued = groups(store.db());
  CHECK(queued.size() <= static_cast<std::size_t>(callers));
  std::set<std::string> fingerprints;
  std::size_t total = 0;
  for (const auto& group : queued) {
    const auto parsed = json::parse(group.payload_json);  // alive for the loop
    for (const auto& alert : parsed.at("alerts").as_array()) {
      fingerprints.insert(std::string(alert.at("fingerprint").as_string()));
      ++total;
    }
  }
  CHECK(total == static_cast<std::size_t>(callers * alerts_each));
  CHECK(fingerprints.size() == total);
}
