// The content pipeline's decisions as operators read and answer them: GET
// /api/decisions and /api/decisions/{id}, and PATCH /api/decisions/{id}
// (approve, reject) of a real `troupe run`, on decisions the test stores in
// the daemon's own SQLite database file.
//
// A decision awaiting approval is linked to an APPROVE_DECISION action the
// test parks in NEEDS_DECISION itself, as the approval adapter would: it
// enqueues the action due far in the future (the daemon's loop never claims
// it), claims it at a virtual time past that and asks for a decision. The
// loop is paused first, so that an answered action stays as the answer
// left it.
#include <catch2/catch.hpp>
#include <map>

#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_claims.hpp"
#include "runtime/store/aol_control_flags.hpp"
#include "runtime/store/content_decisions.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/migrations.hpp"
#include "tests/api/daemon_fixture.hpp"
#include "tests/support/fixed_time.hpp"
#include "tests/support/text.hpp"

using namespace troupe;
using namespace troupe::testing;

namespace {

store::content_decision decision_of(int n, const std::string& account, store::decision_type type,
                                    const std::string& pipeline) {
  store::content_decision decision;
  decision.decision_id = "d-" + std::string(n < 10 ? "0" : "") + std::to_string(n);
  decision.account_id = account;
  decision.type = type;
  decision.pipeline_source = pipeline;
  decision.content = "content " + std::to_string(n);
  return decision;
}

// Seven decisions, d-01 oldest: odd ones of acct-1, even of acct-2; d-03
// and d-06 awaiting approval; d-04 and d-07 replies from reply_v2.
void store_seven(store::database& db) {
  for (int n = 1; n <= 7; ++n) {
    const bool reply = n == 4 || n == 7;
    auto decision = decision_of(n, n % 2 == 1 ? "acct-1" : "acct-2",
                                reply ? store::decision_type::reply : store::decision_type::single,
                                reply ? "reply_v2" : "plan");
    if (n == 3 || n == 6) decision.status = store::decision_status::awaiting_approval;
    auto stored = store::insert_decision(db, decision, t0 + n * 1000);
    INFO((stored ? std::string() : stored.failure().message));
    REQUIRE(stored.ok());
  }
}

std::vector<std::string> ids_of(const http_reply& reply) {
  std::vector<std::string> ids;
  const auto body = reply.json();  // owns what the loop walks
  for (const auto& decision : body.at("decisions").as_array()) {
    ids.emplace_back(decision.at("decision_id").as_string());
  }
  return ids;
}

// An APPROVE_DECISION action for `decision_id`, RUNNING under a lease far in
// the future (see the header).
store::action running_approval(store::database& db, const std::string& decision_id) {
  store::new_action approval;
  approval.type = "APPROVE_DECISION";
  approval.payload_json = R"({"decision_id":")" + decision_id + R"("})";
  approval.idempotency_key = "approve:" + decision_id;
  approval.run_at_ms = far_future_ms;
  auto queued = store::enqueue_action(db, approval, t0);
  REQUIRE(queued.ok());
  auto claimed = store::claim_due_actions(db, "api-decisions-test", far_future_ms, 3'600'000, 1);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->size() == 1);
  REQUIRE(claimed->front().id == queued->queued.id);
  return claimed->front();
}

// Stores `decision_id` awaiting approval, linked to its approval action in
// NEEDS_DECISION; returns the action's id.
std::int64_t awaiting_approval(store::database& db, const std::string& decision_id) {
  auto decision = decision_of(1, "acct-1", store::decision_type::single, "plan");
  decision.decision_id = decision_id;
  decision.status = store::decision_status::awaiting_approval;
  REQUIRE(store::insert_decision(db, decision, t0).ok());
  const auto action = running_approval(db, decision_id);
  auto parked = store::request_decision(db, action.id, action.lease_token, far_future_ms);
  REQUIRE(parked.ok());
  REQUIRE(*parked);
  REQUIRE(store::attach_action(db, decision_id, action.id).ok());
  return action.id;
}

// Stores `decision_id` unconfirmed, linked to its POST_SOCIAL action in
// NEEDS_DECISION (the lookup could not tell); returns the action's id.
std::int64_t unconfirmed_post(store::database& db, const std::string& decision_id) {
  auto decision = decision_of(1, "acct-1", store::decision_type::single, "plan");
  decision.decision_id = decision_id;
  REQUIRE(store::insert_decision(db, decision, t0).ok());
  REQUIRE(store::set_decision_status(db, decision_id, store::decision_status::posting, std::nullopt, t0).ok());
  store::new_action post;
  post.type = "POST_SOCIAL";
  post.payload_json = R"({"decision_id":")" + decision_id + R"(","account":"acct-1","text":"content 1"})";
  post.idempotency_key = decision_id;
  post.run_at_ms = far_future_ms;
  auto queued = store::enqueue_action(db, post, t0);
  REQUIRE(queued.ok());
  auto claimed = store::claim_due_actions(db, "api-decisions-test", far_future_ms, 3'600'000, 1);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->size() == 1);
  auto parked = store::request_decision(db, claimed->front().id, claimed->front().lease_token, far_future_ms);
  REQUIRE(parked.ok());
  REQUIRE(*parked);
  REQUIRE(store::attach_action(db, decision_id, claimed->front().id).ok());
  REQUIRE(store::set_decision_status(db, decision_id, store::decision_status::unconfirmed,
                                     std::string("the driver died without a result"), t0)
              .ok());
  return claimed->front().id;
}

http_reply patch_decision(int port, const std::string& id, const std::string& body,
                          const std::string& with_token = test_admin_token) {
  return request(port, "PATCH", "/api/decisions/" + id, with_token, body);
}

store::action action_now(store::database& db, std::int64_t id) {
  auto found = store::load_action(db, id);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  return **found;
}

store::decision_status status_now(store::database& db, const std::string& decision_id) {
  auto found = store::load_decision(db, decision_id);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  return (*found)->status;
}

}  // namespace

TEST_CASE(
    "GET /api/decisions pages the decisions newest first with the total, filtered by the query") {
  temp_dir dir;
  running_daemon daemon(dir, dir.write("troupe.yaml", daemon_config(dir, 1, "")));
  const int port = daemon.port();
  auto db = open_daemon_store(dir);

  auto empty = request(port, "GET", "/api/decisions");
  REQUIRE(empty.status == 200);
  CHECK(empty.json().at("decisions").as_array().empty());
  CHECK(empty.json().at("total") == 0);
  CHECK(empty.json().at("limit") == 50);
  CHECK(empty.json().at("offset") == 0);

  store_seven(db);
  auto all = request(port, "GET", "/api/decisions");
  REQUIRE(all.status == 200);
  CHECK(ids_of(all) ==
        std::vector<std::string>{"d-07", "d-06", "d-05", "d-04", "d-03", "d-02", "d-01"});
  CHECK(all.json().at("total") == 7);

  auto page = request(port, "GET", "/api/decisions?limit=3&offset=3");
  REQUIRE(page.status == 200);
  CHECK(ids_of(page) == std::vector<std::string>{"d-04", "d-03", "d-02"});
  CHECK(page.json().at("total") == 7);
  CHECK(page.json().at("limit") == 3);
  CHECK(page.json().at("offset") == 3);

  auto waiting = request(port, "GET", "/api/decisions?status=awaiting_approval");
  CHECK(ids_of(waiting) == std::vector<std::string>{"d-06", "d-03"});
  CHECK(waiting.json().at("total") == 2);
  auto replies = request(port, "GET", "/api/decisions?type=reply&pipeline=reply_v2");
  CHECK(ids_of(replies) == std::vector<std::string>{"d-07", "d-04"});
  auto of_account = request(port, "GET", "/api/decisions?account=acct-2&status=QUEUED");
  CHECK(ids_of(of_account) == std::vector<std::string>{"d-04", "d-02"});
  auto none = request(port, "GET", "/api/decisions?pipeline=nowhere");
  CHECK(none.json().at("total") == 0);

  auto clamped = request(port, "GET", "/api/decisions?limit=100000");
  REQUIRE(clamped.status == 200);
  CHECK(clamped.json().at("limit") == 500);
}

TEST_CASE("GET /api/decisions answers a bad parameter with a 400 saying what is wrong") {
  temp_dir dir;
  running_daemon daemon(dir, dir.write("troupe.yaml", daemon_config(dir, 1, "")));
  const int port = daemon.port();

  auto bad_status = request(port, "GET", "/api/decisions?status=done");
  CHECK(bad_status.status == 400);
  CHECK(contains(error_message(bad_status),
                 "unknown status 'done': one of planned, scheduled, posting_attempt, queued, awaiting_approval"));
  auto bad_type = request(port, "GET", "/api/decisions?type=story");
  CHECK(bad_type.status == 400);
  CHECK(contains(error_message(bad_type), "unknown type 'story': one of single, thread, reply"));
  auto bad_limit = request(port, "GET", "/api/decisions?limit=ten");
  CHECK(bad_limit.status == 400);
  CHECK(contains(error_message(bad_limit), "limit"));
  auto negative_offset = request(port, "GET", "/api/decisions?offset=-1");
  CHECK(negative_offset.status == 400);
  CHECK(contains(error_message(negative_offset), "offset"));
}

TEST_CASE("GET /api/decisions/{id} shows one decision with its fields, and 404 for an unknown id") {
  temp_dir dir;
  running_daemon daemon(dir, dir.write("troupe.yaml", daemon_config(dir, 1, "")));
  const int port = daemon.port();
  auto db = open_daemon_store(dir);

  auto decision = decision_of(1, "acct-1", store::decision_type::reply, "reply_v2");
  decision.decision_id = "5f0c6c1e-8a44-4b8e-9a53-0c1e2d3f4a5b";
  decision.bandit_arm = "question";
  decision.timing_arm = "morning";
  decision.propensity = 0.25;
  decision.quality_score = 0.75;
  decision.source = store::generation_source::real;
  decision.scheduled_at_ms = t0 + 60000;
  decision.topic_cluster = "databases";
  decision.angle = "how-to";
  decision.content_hash = "sha256:abc";
  decision.features_json = R"({"length":120,"tags":["a","b"]})";
  decision.target_post_id = "post-9";
  decision.embedding = {0.5f, 0.25f};
  decision.embedding_model = "local-ngram";
  REQUIRE(store::insert_decision(db, decision, t0).ok());
  REQUIRE(store::attach_action(db, decision.decision_id, 17).ok());
  REQUIRE(store::set_decision_status(db, decision.decision_id, store::decision_status::skipped,
                                     "duplicate: cosine 0.91 >= 0.85", t0 + 5000)
              .ok());

  auto shown = request(port, "GET", "/api/decisions/" + decision.decision_id);
  REQUIRE(shown.status == 200);
  const auto body = shown.json();
  CHECK(body.at("decision_id").as_string() == decision.decision_id);
  CHECK(body.at("decision_type") == "reply");
  CHECK(body.at("account_id") == "acct-1");
  CHECK(body.at("content") == "content 1");
  CHECK(body.at("bandit_arm") == "question");
  CHECK(body.at("timing_arm") == "morning");
  CHECK(body.at("propensity") == 0.25);
  CHECK(body.at("quality_score") == 0.75);
  CHECK(body.at("predicted_er").is_null());
  CHECK(body.at("generation_source") == "real");
  CHECK(body.at("status") == "skipped");
  CHECK(body.at("scheduled_at") == "2026-11-27T12:01:00.000Z");
  CHECK(body.at("topic_cluster") == "databases");
  CHECK(body.at("angle") == "how-to");
  CHECK(body.at("content_hash") == "sha256:abc");
  CHECK(body.at("features").at("length") == 120);
  CHECK(body.at("features").at("tags").as_array().size() == 2);
  CHECK(body.at("skip_reason") == "duplicate: cosine 0.91 >= 0.85");
  CHECK(body.at("error_message").is_null());
  CHECK(body.at("pipeline_source") == "reply_v2");
  CHECK(body.at("target_post_id") == "post-9");
  CHECK(body.at("target_author_id").is_null());
  CHECK(body.at("embedding_model") == "local-ngram");
  CHECK_FALSE(body.as_object().contains("embedding"));
  CHECK(body.at("aol_action_id") == 17);
  CHECK(body.at("created_at") == "2026-11-27T12:00:00.000Z");
  CHECK(body.at("updated_at") == "2026-11-27T12:00:05.000Z");

  auto unknown = request(port, "GET", "/api/decisions/no-such-decision");
  CHECK(unknown.status == 404);
  CHECK(contains(error_message(unknown), "no decision 'no-such-decision'"));
}

TEST_CASE(
    "PATCH /api/decisions/{id} approves or rejects a decision by answering its approval action") {
  temp_dir dir;
  running_daemon daemon(dir, dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token)));
  const int port = daemon.port();
  auto db = open_daemon_store(dir);
  REQUIRE(store::set_control_flag(db, "paused", true, t0).ok());
  const auto approve_action = awaiting_approval(db, "to-approve");
  const auto reject_action = awaiting_approval(db, "to-reject");

  auto approved = patch_decision(port, "to-approve", R"({"op":"approve"})");
  REQUIRE(approved.status == 202);
  CHECK(approved.json() == boost::json::object{{"decision_id", "to-approve"},
                                               {"action_id", approve_action},
                                               {"op", "approve"}});
  CHECK(action_now(db, approve_action).status == store::action_status::pending);
  CHECK(action_now(db, approve_action).decision == "approve");
  // The adapter moves the decision when the loop runs the action, not the API.
  CHECK(status_now(db, "to-approve") == store::decision_status::awaiting_approval);

  auto rejected = patch_decision(port, "to-reject", R"({"op":"reject"})");
  REQUIRE(rejected.status == 202);
  CHECK(rejected.json().at("op") == "reject");
  CHECK(action_now(db, reject_action).status == store::action_status::pending);
  CHECK(action_now(db, reject_action).decision == "reject");

  auto twice = patch_decision(port, "to-approve", R"({"op":"reject"})");
  CHECK(twice.status == 409);
  CHECK(contains(error_message(twice), "approval action " + std::to_string(approve_action) +
                                           " is PENDING, not NEEDS_DECISION"));
  CHECK(action_now(db, approve_action).decision == "approve");
}

TEST_CASE("PATCH /api/decisions/{id} refuses what cannot be approved: 404, 409, 400 and no token") {
  temp_dir dir;
  running_daemon daemon(dir, dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token)));
  const int port = daemon.port();
  auto db = open_daemon_store(dir);
  REQUIRE(store::set_control_flag(db, "paused", true, t0).ok());
  const auto waiting = awaiting_approval(db, "waiting");

  auto unknown = patch_decision(port, "no-such-decision", R"({"op":"approve"})");
  CHECK(unknown.status == 404);
  CHECK(contains(error_message(unknown), "no decision 'no-such-decision'"));

  REQUIRE(
      store::insert_decision(db, decision_of(2, "acct-1", store::decision_type::single, "plan"), t0)
          .ok());
  auto queued = patch_decision(port, "d-02", R"({"op":"approve"})");
  CHECK(queued.status == 409);
  CHECK(contains(error_message(queued), "decision 'd-02' is queued: only an awaiting_approval"));

  auto unlinked = decision_of(3, "acct-1", store::decision_type::single, "plan");
  unlinked.status = store::decision_status::awaiting_approval;
  REQUIRE(store::insert_decision(db, unlinked, t0).ok());
  auto no_action = patch_decision(port, "d-03", R"({"op":"approve"})");
  CHECK(no_action.status == 409);
  CHECK(contains(error_message(no_action), "linked to no approval action"));

  auto still_running = decision_of(4, "acct-1", store::decision_type::single, "plan");
  still_running.status = store::decision_status::awaiting_approval;
  REQUIRE(store::insert_decision(db, still_running, t0).ok());
  const auto running = running_approval(db, "d-04");
  REQUIRE(store::attach_action(db, "d-04", running.id).ok());
  auto not_waiting = patch_decision(port, "d-04", R"({"op":"reject"})");
  CHECK(not_waiting.status == 409);
  CHECK(contains(error_message(not_waiting), "is RUNNING, not NEEDS_DECISION"));

  for (const char* body : {"", "[]", "{}", R"({"op":"skip"})", R"({"op":"cancel"})", R"({"op":1})",
                           R"({"op":"approve","why":"x"})"}) {
    INFO(body);
    CHECK(patch_decision(port, "waiting", body).status == 400);
  }
  CHECK(patch_decision(port, "waiting", R"({"op":"approve"})", "").status == 401);
  CHECK(patch_decision(port, "waiting", R"({"op":"approve"})", "wrong").status == 403);
  CHECK(action_now(db, waiting).status == store::action_status::needs_decision);
  CHECK(request(port, "GET", "/api/decisions/waiting").json().at("status") == "awaiting_approval");
}

TEST_CASE("PATCH /api/decisions/{id} answers an unconfirmed post's action: mark_posted with its id, retry or drop") {
  temp_dir dir;
  running_daemon daemon(dir, dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token)));
  const int port = daemon.port();
  auto db = open_daemon_store(dir);
  REQUIRE(store::set_control_flag(db, "paused", true, t0).ok());
  // All parked first: claiming a new one would claim an answered one too.
  const auto marked = unconfirmed_post(db, "u-marked");
  const std::map<std::string, std::int64_t> others{{"retry", unconfirmed_post(db, "u-retry")},
                                                   {"drop", unconfirmed_post(db, "u-drop")}};

  auto no_id = patch_decision(port, "u-marked", R"({"op":"mark_posted"})");
  CHECK(no_id.status == 400);
  CHECK(contains(error_message(no_id), "needs the platform's id of the post (post_id)"));
  auto approve = patch_decision(port, "u-marked", R"({"op":"approve"})");
  CHECK(approve.status == 409);
  CHECK(contains(error_message(approve), "is unconfirmed: only an awaiting_approval decision"));

  auto posted = patch_decision(port, "u-marked", R"({"op":"mark_posted","post_id":"x-42"})");
  REQUIRE(posted.status == 202);
  CHECK(posted.json() == boost::json::object{{"decision_id", "u-marked"}, {"action_id", marked},
                                             {"op", "mark_posted"}});
  CHECK(action_now(db, marked).decision == "posted:x-42");
  CHECK(status_now(db, "u-marked") == store::decision_status::unconfirmed);  // the adapter records it

  for (const auto& [op, action] : others) {
    auto answered = patch_decision(port, "u-" + op, R"({"op":")" + op + R"("})");
    REQUIRE(answered.status == 202);
    CHECK(action_now(db, action).decision == op);
  }

  auto again = patch_decision(port, "u-marked", R"({"op":"drop"})");
  INFO("the answer: " << again.status << " " << error_message(again));  // failed once, unexplained
  CHECK(again.status == 409);
  CHECK(contains(error_message(again), "post action " + std::to_string(marked) + " is PENDING, not NEEDS_DECISION"));
  auto queued = decision_of(5, "acct-1", store::decision_type::single, "plan");
  REQUIRE(store::insert_decision(db, queued, t0).ok());
  auto not_unconfirmed = patch_decision(port, "d-05", R"({"op":"retry"})");
  CHECK(not_unconfirmed.status == 409);
  CHECK(contains(error_message(not_unconfirmed), "is queued: only an unconfirmed decision"));
}

TEST_CASE("troupe decisions lists the unconfirmed and answers one as the API does, without a daemon") {
  temp_dir dir;
  const std::string url = "sqlite:" + dir.file("cli.db");
  auto opened = store::database::open(url);
  REQUIRE(opened.ok());
  auto& db = *opened;
  REQUIRE(store::migrate(db).ok());
  const auto action = unconfirmed_post(db, "u-cli");
  REQUIRE(store::insert_decision(db, decision_of(8, "acct-2", store::decision_type::single, "plan"), t0).ok());
  auto troupe = [&](std::vector<std::string> args) {
    return troupe_on_database(url, std::move(args), dir);
  };

  auto listed = troupe({"decisions", "--status", "unconfirmed"});
  CHECK(listed.exit_code == 0);
  CHECK(contains(listed.output, "DECISION  STATUS       TYPE    ACCOUNT  ACTION"));
  CHECK(contains(listed.output, "u-cli     unconfirmed  single  acct-1"));
  CHECK(contains(listed.output, "the driver died without a result"));
  CHECK_FALSE(contains(listed.output, "d-08"));
  CHECK(contains(troupe({"decisions"}).output, "d-08"));

  auto no_post_id = troupe({"decisions", "--id", "u-cli", "--op", "mark_posted"});
  CHECK(no_post_id.exit_code == 2);
  CHECK(contains(no_post_id.output, "needs the platform's id of the post"));
  CHECK(troupe({"decisions", "--op", "retry"}).exit_code == 2);
  CHECK(troupe({"decisions", "--id", "u-cli", "--op", "post-it"}).exit_code == 2);
  CHECK(troupe({"decisions", "--status", "lost"}).exit_code == 2);
  auto wrong = troupe({"decisions", "--id", "d-08", "--op", "drop"});
  CHECK(wrong.exit_code == 1);
  CHECK(contains(wrong.output, "is queued: only an unconfirmed decision"));
  CHECK(action_now(db, action).status == store::action_status::needs_decision);

  auto marked = troupe({"decisions", "--id", "u-cli", "--op", "mark_posted", "--post-id", "x-9"});
  CHECK(marked.exit_code == 0);
  CHECK(contains(marked.output, "mark_posted: answered action " + std::to_string(action) + " of decision u-cli"));
  CHECK(action_now(db, action).decision == "posted:x-9");
  auto twice = troupe({"decisions", "--id", "u-cli", "--op", "retry"});
  CHECK(twice.exit_code == 1);
  CHECK(contains(twice.output, "not NEEDS_DECISION"));
}
