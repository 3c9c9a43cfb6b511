// What the collector and the learn job store: outcomes per decision and
// horizon, the collections due, the records learned from (real only when
// asked), rewards written once, and versioned predictors. On SQLite and
// PostgreSQL.
#include "runtime/store/outcomes.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>

#include "runtime/store/content_decisions.hpp"
#include "runtime/store/posted_decisions.hpp"
#include "runtime/store/statements.hpp"
#include "tests/store/scratch_database.hpp"
#include "tests/support/fixed_time.hpp"

using namespace troupe::store;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

constexpr std::int64_t hour = 3'600'000;

void insert_posted(database& db, const std::string& id, std::int64_t posted_at_ms) {
  content_decision decision;
  decision.decision_id = id;
  decision.account_id = "acct-" + id;
  decision.content = "text of " + id;
  decision.bandit_arm = "craft-tip";
  decision.source = generation_source::real;
  REQUIRE_OK(insert_decision(db, decision, posted_at_ms - 1000));
  REQUIRE_OK(set_decision_status(db, id, decision_status::posting, std::nullopt, posted_at_ms - 500));
  auto recorded = record_post(db, id, "post-" + id, posted_at_ms);
  REQUIRE_OK(recorded);
}

outcome outcome_of(const std::string& id, const std::string& horizon, double er, bool simulated,
                   std::int64_t at_ms) {
  outcome row;
  row.decision_id = id;
  row.post_id = "post-" + id;
  row.horizon = horizon;
  row.collected_at_ms = at_ms;
  row.impressions = 1000;
  row.likes = 30;
  row.retweets = 5;
  row.replies = 4;
  row.bookmarks = 2;
  row.quotes = 1;
  row.er_calculated = er;
  row.simulated = simulated;
  return row;
}

std::vector<std::string> ids_of(const std::vector<collection_due>& due) {
  std::vector<std::string> ids;
  for (const auto& row : due) ids.push_back(row.decision_id + "@" + row.horizon);
  return ids;
}

}  // namespace

TEST_CASE("an outcome reads back with every count, once per decision and horizon") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  insert_posted(db, "d-1", t0);
  auto first = insert_outcome(db, outcome_of("d-1", first_horizon, 0.042, false, t0 + hour));
  REQUIRE_OK(first);
  CHECK(*first);
  auto again = insert_outcome(db, outcome_of("d-1", first_horizon, 0.5, true, t0 + 2 * hour));
  REQUIRE_OK(again);
  CHECK_FALSE(*again);
  REQUIRE_OK(insert_outcome(db, outcome_of("d-1", "24h", 0.05, false, t0 + 25 * hour)));

  auto rows = outcomes_of(db, "d-1");
  REQUIRE_OK(rows);
  REQUIRE(rows->size() == 2);
  const auto& row = rows->front();
  CHECK(row.post_id == "post-d-1");
  CHECK(row.horizon == "first");
  CHECK(row.collected_at_ms == t0 + hour);
  CHECK(row.impressions == 1000);
  CHECK(row.likes == 30);
  CHECK(row.retweets == 5);
  CHECK(row.replies == 4);
  CHECK(row.bookmarks == 2);
  CHECK(row.quotes == 1);
  CHECK(row.er_calculated == 0.042);
  CHECK_FALSE(row.simulated);
  CHECK(rows->back().horizon == "24h");

  CHECK_FALSE(insert_outcome(db, outcome_of("nobody", first_horizon, 0.1, false, t0)).ok());
  auto no_post = outcome_of("d-1", "7d", 0.1, false, t0);
  no_post.post_id.clear();
  CHECK_FALSE(insert_outcome(db, no_post).ok());
}

TEST_CASE("collections are due first after the post, then at each horizon, oldest post first") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  insert_posted(db, "old", t0);
  insert_posted(db, "new", t0 + 20 * hour);
  const std::vector<collection_horizon> horizons{{"24h", 24 * hour}};

  auto due = collections_due(db, horizons, t0 + 21 * hour, 10);
  REQUIRE_OK(due);
  CHECK(ids_of(*due) == std::vector<std::string>{"old@first", "new@first"});
  CHECK(due->front().post_id == "post-old");
  CHECK(due->front().account_id == "acct-old");

  REQUIRE_OK(insert_outcome(db, outcome_of("old", first_horizon, 0.01, false, t0 + hour)));
  REQUIRE_OK(insert_outcome(db, outcome_of("new", first_horizon, 0.01, false, t0 + 21 * hour)));
  due = collections_due(db, horizons, t0 + 23 * hour, 10);
  REQUIRE_OK(due);
  CHECK(due->empty());
  due = collections_due(db, horizons, t0 + 24 * hour, 10);
  REQUIRE_OK(due);
  CHECK(ids_of(*due) == std::vector<std::string>{"old@24h"});
  due = collections_due(db, horizons, t0 + 50 * hour, 1);
  REQUIRE_OK(due);
  CHECK(ids_of(*due) == std::vector<std::string>{"old@24h"});
}

TEST_CASE("learning records take each decision's latest outcome and never a simulated one when real only") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  insert_posted(db, "real", t0);
  insert_posted(db, "mixed", t0 + 1000);
  insert_posted(db, "shadow", t0 + 2000);
  REQUIRE_OK(insert_outcome(db, outcome_of("real", first_horizon, 0.02, false, t0 + hour)));
  REQUIRE_OK(insert_outcome(db, outcome_of("real", "24h", 0.03, false, t0 + 25 * hour)));
  REQUIRE_OK(insert_outcome(db, outcome_of("mixed", first_horizon, 0.04, false, t0 + hour)));
  REQUIRE_OK(insert_outcome(db, outcome_of("mixed", "24h", 0.9, true, t0 + 25 * hour)));
  REQUIRE_OK(insert_outcome(db, outcome_of("shadow", first_horizon, 0.8, true, t0 + hour)));

  auto real = learning_records(db, true);
  REQUIRE_OK(real);
  REQUIRE(real->size() == 2);
  CHECK(real->at(0).decision_id == "real");
  CHECK(real->at(0).er == 0.03);
  CHECK(real->at(1).decision_id == "mixed");
  CHECK(real->at(1).er == 0.04);
  for (const auto& record : *real) CHECK_FALSE(record.simulated);

  auto all = learning_records(db, false);
  REQUIRE_OK(all);
  REQUIRE(all->size() == 3);
  CHECK(all->at(1).er == 0.9);
  CHECK(all->at(2).simulated);
  CHECK(all->at(0).bandit_arm == "craft-tip");
  CHECK_FALSE(all->at(0).rewarded);
}

TEST_CASE("a reward is written into the features and strategy_rewards once") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  insert_posted(db, "d-1", t0);
  REQUIRE_OK(insert_outcome(db, outcome_of("d-1", first_horizon, 0.02, false, t0 + hour)));

  auto written = record_reward(db, "d-1", "craft-tip", 0.4, t0 + 2 * hour);
  REQUIRE_OK(written);
  CHECK(*written);
  auto again = record_reward(db, "d-1", "craft-tip", 0.9, t0 + 3 * hour);
  REQUIRE_OK(again);
  CHECK_FALSE(*again);

  auto decision = load_decision(db, "d-1");
  REQUIRE_OK(decision);
  const auto features = boost::json::parse((*decision)->features_json).as_object();
  CHECK(features.at("reward").as_double() == 0.4);
  CHECK(features.at("tweet_id") == "post-d-1");  // the other features stay
  long long rows = 0;
  double reward = 0;
  query_first_row(db.session(), "SELECT COUNT(*), MAX(reward) FROM strategy_rewards WHERE arm = 'craft-tip'",
                  soci::into(rows), soci::into(reward));
  CHECK(rows == 1);
  CHECK(reward == 0.4);
  auto records = learning_records(db, true);
  REQUIRE_OK(records);
  CHECK(records->at(0).rewarded);
  CHECK_FALSE(record_reward(db, "nobody", "craft-tip", 0.1, t0).ok());
}

TEST_CASE("predictors are stored as growing versions and the latest reads back with its metrics") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  auto none = latest_predictor(db, "content");
  REQUIRE_OK(none);
  CHECK_FALSE(none->has_value());

  predictor model;
  model.name = "content";
  model.weights_json = R"({"engagement":[0.1]})";
  model.trained_at_ms = t0;
  model.samples = 12;
  model.holdout_samples = 3;
  model.holdout_r2 = 0.75;
  auto first = store_predictor(db, model);
  REQUIRE_OK(first);
  CHECK(*first == 1);
  model.weights_json = R"({"engagement":[0.2]})";
  model.holdout_r2.reset();
  model.holdout_log_loss = 0.5;
  auto second = store_predictor(db, model);
  REQUIRE_OK(second);
  CHECK(*second == 2);

  auto latest = latest_predictor(db, "content");
  REQUIRE_OK(latest);
  REQUIRE(latest->has_value());
  CHECK((*latest)->version == 2);
  CHECK((*latest)->weights_json == R"({"engagement":[0.2]})");
  CHECK((*latest)->samples == 12);
  CHECK((*latest)->holdout_samples == 3);
  CHECK_FALSE((*latest)->holdout_r2);
  CHECK((*latest)->holdout_log_loss == std::optional<double>(0.5));
  auto versions = predictor_versions(db, "content", 10);
  REQUIRE_OK(versions);
  REQUIRE(versions->size() == 2);
  CHECK(versions->back().holdout_r2 == std::optional<double>(0.75));
}

TEST_CASE("the latest outcomes of every decision come newest collection first, up to the limit") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  auto none = latest_outcomes(db, 10);
  REQUIRE_OK(none);
  CHECK(none->empty());

  insert_posted(db, "d1", t0);
  insert_posted(db, "d2", t0 + hour);
  REQUIRE_OK(insert_outcome(db, outcome_of("d1", first_horizon, 0.04, false, t0 + 2 * hour)));
  REQUIRE_OK(insert_outcome(db, outcome_of("d2", first_horizon, 0.05, true, t0 + 3 * hour)));
  REQUIRE_OK(insert_outcome(db, outcome_of("d1", "24h", 0.06, false, t0 + 26 * hour)));

  auto latest = latest_outcomes(db, 10);
  REQUIRE_OK(latest);
  REQUIRE(latest->size() == 3);
  CHECK((*latest)[0].decision_id + "@" + (*latest)[0].horizon == "d1@24h");
  CHECK((*latest)[0].er_calculated == 0.06);
  CHECK((*latest)[1].decision_id + "@" + (*latest)[1].horizon == "d2@first");
  CHECK((*latest)[1].simulated);
  CHECK((*latest)[1].likes == 30);
  CHECK((*latest)[2].decision_id + "@" + (*latest)[2].horizon == "d1@first");
  CHECK_FALSE((*latest)[2].simulated);

  auto two = latest_outcomes(db, 2);
  REQUIRE_OK(two);
  CHECK(two->size() == 2);
}
