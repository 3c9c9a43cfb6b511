// What operators read of publishing and learning: GET /api/publishing (the
// accounts' rate-limit state at the request's time, the due queued decisions,
// the unconfirmed ones with their action) and GET /api/learning (the arms,
// the predictor versions, the latest outcomes) of a real `troupe run`, on
// rows the test stores in the daemon's own SQLite database file.
//
// The daemon checks the rate limits at its wall clock, so posts are stored
// relative to the test's wall clock; a verdict's possible_at depends only on
// the post's time, so it is still exact.
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>

#include "runtime/http/json_views.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_claims.hpp"
#include "runtime/store/aol_execution_logs.hpp"
#include "runtime/store/bandit_arms.hpp"
#include "runtime/store/content_decisions.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/outcomes.hpp"
#include "runtime/store/posted_decisions.hpp"
#include "runtime/time_units.hpp"
#include "tests/api/daemon_fixture.hpp"

using namespace troupe;
using namespace troupe::testing;

namespace {

using troupe::time_units::minute_ms;

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The daemon of tests/api/daemon_fixture.hpp (accounts a1..a3, b1..b3) with
// 30 minutes between two posts of an account.
std::string publishing_config(const temp_dir& dir) {
  return daemon_config(dir, 1, "") + "flags: {minPostIntervalMinutes: 30}\n";
}

void store_decision(store::database& db, const std::string& id, const std::string& account,
                    std::optional<std::int64_t> scheduled_at_ms, std::int64_t now_ms) {
  store::content_decision decision;
  decision.decision_id = id;
  decision.account_id = account;
  decision.content = "text of " + id;
  decision.source = store::generation_source::real;
  decision.scheduled_at_ms = scheduled_at_ms;
  auto stored = store::insert_decision(db, decision, now_ms);
  INFO((stored ? std::string() : stored.failure().message));
  REQUIRE(stored.ok());
}

void store_posted(store::database& db, const std::string& id, const std::string& account,
                  std::int64_t posted_at_ms) {
  store_decision(db, id, account, std::nullopt, posted_at_ms - 1000);
  REQUIRE(store::set_decision_status(db, id, store::decision_status::posting, std::nullopt,
                                     posted_at_ms - 500)
              .ok());
  auto recorded = store::record_post(db, id, "post-" + id, posted_at_ms);
  REQUIRE(recorded.ok());
}

// Stores `decision_id` unconfirmed, linked to its POST_SOCIAL action, which
// asked an operator `question` (NEEDS_DECISION); returns the action's id.
std::int64_t unconfirmed_post(store::database& db, const std::string& decision_id,
                              const std::string& question, std::int64_t now_ms) {
  store_decision(db, decision_id, "b1", std::nullopt, now_ms);
  REQUIRE(store::set_decision_status(db, decision_id, store::decision_status::posting, std::nullopt,
                                     now_ms)
              .ok());
  store::new_action post;
  post.type = "POST_SOCIAL";
  post.payload_json = R"({"decision_id":")" + decision_id + R"(","account":"b1","text":"t"})";
  post.idempotency_key = decision_id;
  post.run_at_ms = far_future_ms;
  auto queued = store::enqueue_action(db, post, now_ms);
  REQUIRE(queued.ok());
  auto claimed = store::claim_due_actions(db, "api-publishing-test", far_future_ms, 3'600'000, 1);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->size() == 1);
  const auto& action = claimed->front();
  auto attempt =
      store::log_attempt_start(db, action.id, action.attempts, action.lease_token, far_future_ms);
  REQUIRE(attempt.ok());
  REQUIRE(store::log_attempt_end(db, *attempt, store::attempt_outcome::needs_decision, question,
                                 std::nullopt, far_future_ms)
              .ok());
  auto parked = store::request_decision(db, action.id, action.lease_token, far_future_ms);
  REQUIRE(parked.ok());
  REQUIRE(*parked);
  REQUIRE(store::attach_action(db, decision_id, action.id).ok());
  REQUIRE(store::set_decision_status(db, decision_id, store::decision_status::unconfirmed,
                                     std::string("the driver died without a result"), now_ms)
              .ok());
  return action.id;
}

const boost::json::object& account_of(const boost::json::value& body, const std::string& id) {
  for (const auto& account : body.at("accounts").as_array()) {
    if (account.at("account_id") == id.c_str()) return account.as_object();
  }
  FAIL("no account " << id);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE(
    "GET /api/publishing shows each account's rate verdict, the due queue and the unconfirmed "
    "posts with their question") {
  temp_dir dir;
  running_daemon daemon(dir, dir.write("troupe.yaml", publishing_config(dir)));
  const int port = daemon.port();
  auto db = open_daemon_store(dir);
  const auto now = wall_clock_ms();

  store_posted(db, "posted-a1", "a1", now - 10 * minute_ms);
  store_posted(db, "old-a2", "a2", now - 2 * 60 * minute_ms);
  store_decision(db, "due-a3", "a3", now - minute_ms, now - 2 * minute_ms);
  store_decision(db, "later-a3", "a3", far_future_ms, now - 2 * minute_ms);
  const auto action_id = unconfirmed_post(db, "lost-b1", "did post-x reach the platform?", now);

  auto reply = request(port, "GET", "/api/publishing");
  REQUIRE(reply.status == 200);
  const auto body = reply.json();
  const auto& accounts = body.at("accounts").as_array();
  REQUIRE(accounts.size() == 6);
  CHECK(accounts[0].at("account_id") == "a1");
  CHECK(accounts[5].at("account_id") == "b3");

  const auto& a1 = account_of(body, "a1");
  CHECK(a1.at("posts_last_hour") == 1);
  CHECK(a1.at("last_post_at").as_string() == http::iso_time(now - 10 * minute_ms));
  CHECK(a1.at("allowed") == false);
  CHECK(a1.at("reason") == "min_post_interval");
  CHECK(a1.at("possible_at").as_string() == http::iso_time(now + 20 * minute_ms));

  const auto& a2 = account_of(body, "a2");
  CHECK(a2.at("posts_last_hour") == 0);
  CHECK(a2.at("last_post_at").is_null());
  CHECK(a2.at("allowed") == true);
  CHECK(a2.at("reason").is_null());
  CHECK(a2.at("possible_at").is_string());

  // The unconfirmed post is in flight: it counts at the request's time.
  const auto& b1 = account_of(body, "b1");
  CHECK(b1.at("posts_last_hour") == 1);
  CHECK(b1.at("allowed") == false);
  CHECK(b1.at("reason") == "min_post_interval");

  CHECK(body.at("queued") == 1);
  const auto& next = body.at("queued_next").as_array();
  REQUIRE(next.size() == 1);
  CHECK(next[0].at("decision_id") == "due-a3");
  CHECK(next[0].at("account_id") == "a3");
  CHECK(next[0].at("scheduled_at").as_string() == http::iso_time(now - minute_ms));

  const auto& unconfirmed = body.at("unconfirmed").as_array();
  REQUIRE(unconfirmed.size() == 1);
  CHECK(unconfirmed[0].at("decision_id") == "lost-b1");
  CHECK(unconfirmed[0].at("account_id") == "b1");
  CHECK(unconfirmed[0].at("error_message") == "the driver died without a result");
  CHECK(unconfirmed[0].at("action_id") == action_id);
  CHECK(unconfirmed[0].at("action_status") == "NEEDS_DECISION");
  CHECK(unconfirmed[0].at("question") == "did post-x reach the platform?");
}

TEST_CASE(
    "GET /api/learning shows every arm with its mean, the predictor versions newest first and "
    "the latest outcomes") {
  temp_dir dir;
  running_daemon daemon(dir, dir.write("troupe.yaml", daemon_config(dir, 1, "")));
  const int port = daemon.port();
  auto db = open_daemon_store(dir);
  const auto now = wall_clock_ms();

  auto empty = request(port, "GET", "/api/learning");
  REQUIRE(empty.status == 200);
  CHECK(empty.json().at("arms").as_array().empty());
  CHECK(empty.json().at("predictors").as_array().empty());
  CHECK(empty.json().at("outcomes").as_array().empty());

  store::bandit_arm tip;
  tip.scope = "plan:content";
  tip.arm = "tip";
  tip.alpha = 3;
  tip.beta = 1;
  tip.pulls = 2;
  tip.reward_sum = 1.5;
  REQUIRE(store::upsert_bandit_arm(db, tip, now).ok());
  store::bandit_arm morning;
  morning.scope = "plan:timing:a1";
  morning.arm = "morning";
  morning.kind = store::bandit_kind::ucb;
  REQUIRE(store::upsert_bandit_arm(db, morning, now).ok());

  store::predictor model;
  model.name = store::content_predictor;
  model.weights_json = "{}";
  model.trained_at_ms = now - 60 * minute_ms;
  model.samples = 12;
  model.holdout_samples = 3;
  model.holdout_r2 = 0.5;
  REQUIRE(store::store_predictor(db, model).ok());
  model.trained_at_ms = now;
  model.holdout_r2.reset();
  model.holdout_log_loss = 0.25;
  REQUIRE(store::store_predictor(db, model).ok());

  store_posted(db, "d1", "a1", now - 120 * minute_ms);
  store::outcome first;
  first.decision_id = "d1";
  first.post_id = "post-d1";
  first.collected_at_ms = now - 60 * minute_ms;
  first.impressions = 1000;
  first.likes = 30;
  first.retweets = 5;
  first.replies = 4;
  first.bookmarks = 2;
  first.quotes = 1;
  first.er_calculated = 0.042;
  first.simulated = true;
  REQUIRE(store::insert_outcome(db, first).ok());

  auto reply = request(port, "GET", "/api/learning");
  REQUIRE(reply.status == 200);
  const auto body = reply.json();
  const auto& arms = body.at("arms").as_array();
  REQUIRE(arms.size() == 2);
  CHECK(arms[0].at("scope") == "plan:content");
  CHECK(arms[0].at("arm") == "tip");
  CHECK(arms[0].at("kind") == "thompson");
  CHECK(arms[0].at("alpha") == 3.0);
  CHECK(arms[0].at("beta") == 1.0);
  CHECK(arms[0].at("pulls") == 2);
  CHECK(arms[0].at("reward_sum") == 1.5);
  CHECK(arms[0].at("mean") == 0.75);
  CHECK(arms[1].at("scope") == "plan:timing:a1");
  CHECK(arms[1].at("kind") == "ucb");
  CHECK(arms[1].at("mean").is_null());

  const auto& predictors = body.at("predictors").as_array();
  REQUIRE(predictors.size() == 2);
  CHECK(predictors[0].at("version") == 2);
  CHECK(predictors[0].at("trained_at").as_string() == http::iso_time(now));
  CHECK(predictors[0].at("samples") == 12);
  CHECK(predictors[0].at("holdout_samples") == 3);
  CHECK(predictors[0].at("holdout_r2").is_null());
  CHECK(predictors[0].at("holdout_log_loss") == 0.25);
  CHECK(predictors[1].at("version") == 1);
  CHECK(predictors[1].at("holdout_r2") == 0.5);

  const auto& outcomes = body.at("outcomes").as_array();
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].at("decision_id") == "d1");
  CHECK(outcomes[0].at("horizon") == "first");
  CHECK(outcomes[0].at("collected_at").as_string() == http::iso_time(now - 60 * minute_ms));
  CHECK(outcomes[0].at("impressions") == 1000);
  CHECK(outcomes[0].at("likes") == 30);
  CHECK(outcomes[0].at("retweets") == 5);
  CHECK(outcomes[0].at("replies") == 4);
  CHECK(outcomes[0].at("bookmarks") == 2);
  CHECK(outcomes[0].at("quotes") == 1);
  CHECK(outcomes[0].at("er_calculated") == 0.042);
  CHECK(outcomes[0].at("simulated") == true);
}
