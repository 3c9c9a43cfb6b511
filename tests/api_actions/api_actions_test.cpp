// The action queue, tick ledger and AOL flags as operators reach them: the
// HTTP endpoints of a real `troupe run` and the `troupe enqueue`, `troupe
// actions` and `troupe flags` commands on a temporary SQLite database.
//
// Actions the tests enqueue are due far in the future, so that a loop running
// in the daemon never claims them; the tests move them through RUNNING, DLQ
// and NEEDS_DECISION themselves, as a lease holder would, through the store
// on the daemon's own database file. Where a transition makes an action due
// now, the loop is paused first.
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>
#include <vector>

#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_claims.hpp"
#include "runtime/store/aol_control_flags.hpp"
#include "runtime/store/aol_tick_ledger.hpp"
#include "runtime/store/database.hpp"
#include "tests/api/daemon_fixture.hpp"
#include "tests/support/text.hpp"

using namespace troupe;
using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* far_future_iso = "2100-01-01T00:00:00.000Z";

// An enqueue body for `key`, due far in the future unless `extra` says otherwise.
std::string action_body(const std::string& type, const std::string& key, const std::string& extra = "") {
  return R"({"type":")" + type + R"(","idempotency_key":")" + key +
         R"(","payload":{"account":"a1","text":"hello"},"run_at":")" + std::string(far_future_iso) + "\"" +
         (extra.empty() ? "" : "," + extra) + "}";
}

http_reply post_action(int port, const std::string& body) {
  return request(port, "POST", "/api/actions", test_admin_token, body);
}

std::int64_t id_of(const http_reply& reply) { return reply.json().at("id").as_int64(); }

std::string status_of(const http_reply& reply) { return std::string(reply.json().at("status").as_string()); }

http_reply patch_action(int port, std::int64_t id, const std::string& body,
                        const std::string& with_token = test_admin_token) {
  return request(port, "PATCH", "/api/actions/" + std::to_string(id), with_token, body);
}

store::database open_store(const temp_dir& dir) {
  auto db = store::database::open("sqlite:" + dir.file("troupe.db"));
  INFO((db ? std::string() : db.failure().message));
  REQUIRE(db.ok());
  return std::move(db).value();
}

// A lease holder's view of the daemon's queue: claims the action the test
// just enqueued (the only one due at that priority) at a virtual time past
// its run_at, and ends its attempt as the test wants.
class lease_holder {
 public:
  explicit lease_holder(const temp_dir& dir) : db_(open_store(dir)) {}

  // Enqueues `key` through the API with a priority above every other action
  // of the test, then claims it: RUNNING, leased far into the future.
  store::action running(int port, const std::string& key, int max_attempts = 5) {
    auto created = post_action(port, action_body("POST_SOCIAL", key,
                                                 "\"priority\":" + std::to_string(++priority_) +
                                                     ",\"max_attempts\":" + std::to_string(max_attempts)));
    REQUIRE(created.status == 201);
    auto claimed = store::claim_due_actions(db_, "api-actions-test", now_ms, lease_ms, 1);
    REQUIRE(claimed.ok());
    REQUIRE(claimed->size() == 1);
    REQUIRE(claimed->front().id == id_of(created));
    return claimed->front();
  }

  store::action dead_lettered(int port, const std::string& key) {
    const auto action = running(port, key, 1);
    auto failed = store::fail_action(db_, action.id, action.lease_token,
                                     store::attempt_failure{"the platform said no", 0, false}, now_ms);
    REQUIRE(failed.ok());
    REQUIRE(*failed == store::failure_outcome::dead_lettered);
    return action;
  }

  store::action waiting_for_decision(int port, const std::string& key) {
    const auto action = running(port, key);
    auto parked = store::request_decision(db_, action.id, action.lease_token, now_ms);
    REQUIRE(parked.ok());
    REQUIRE(*parked);
    return action;
  }

  // Pauses a loop the daemon may run, so that an action a transition made
  // due stays as the transition left it.
  void pause_loop() { REQUIRE(store::set_control_flag(db_, "paused", true, now_ms).ok()); }

  store::database& db() { return db_; }

 private:
  static constexpr std::int64_t now_ms = far_future_ms + 1000;
  static constexpr std::int64_t lease_ms = 3'600'000;
  store::database db_;
  int priority_ = 1000;
};

std::string written_config(const temp_dir& dir) {
  return dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token));
}

}  // namespace

TEST_CASE("POST /api/actions creates an action once per idempotency key, also under concurrent callers") {
  temp_dir dir;
  running_daemon daemon(dir, dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token) +
                                                          "aol: {maxAttempts: 7}\n"));
  const int port = daemon.port();

  auto created = post_action(port, action_body("POST_SOCIAL", "post-1", "\"priority\":7"));
  REQUIRE(created.status == 201);
  const auto action = created.json();
  CHECK(action.at("type") == "POST_SOCIAL");
  CHECK(action.at("idempotency_key") == "post-1");
  CHECK(action.at("payload").at("text") == "hello");
  CHECK(action.at("status") == "PENDING");
  CHECK(action.at("priority") == 7);
  CHECK(action.at("attempts") == 0);
  CHECK(action.at("max_attempts") == 7);  // the config's aol.maxAttempts
  CHECK(action.at("run_at") == far_future_iso);
  CHECK(action.at("next_attempt_at") == far_future_iso);
  CHECK(action.at("lease_owner").is_null());
  CHECK(action.at("finished_at").is_null());
  CHECK(created.header("Location") == "/api/actions/" + std::to_string(id_of(created)));

  // The same key again: the action as it stands, not a copy, whatever the new body says.
  auto again = post_action(port, R"({"type":"NOTIFY","idempotency_key":"post-1","payload":{}})");
  CHECK(again.status == 200);
  CHECK(id_of(again) == id_of(created));
  CHECK(again.json().at("type") == "POST_SOCIAL");
  CHECK(request(port, "GET", "/api/actions/" + std::to_string(id_of(created))).json() == action);

  // run_at as epoch milliseconds, a due time in the past included.
  auto by_ms = post_action(port, R"({"type":"NOTIFY","idempotency_key":"ms","payload":{},"run_at":1000,"max_attempts":2})");
  REQUIRE(by_ms.status == 201);
  CHECK(by_ms.json().at("run_at") == "1970-01-01T00:00:01.000Z");
  CHECK(by_ms.json().at("max_attempts") == 2);

  std::vector<int> statuses(8);
  std::vector<std::int64_t> ids(8);
  std::vector<std::thread> callers;
  std::atomic<bool> go{false};
  for (std::size_t i = 0; i < 8; ++i) {
    callers.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      auto reply = post_action(port, action_body("POST_SOCIAL", "raced"));
      statuses[i] = reply.status;
      ids[i] = reply.status < 300 ? id_of(reply) : -1;
    });
  }
  go = true;
  for (auto& caller : callers) caller.join();
  CHECK(std::count(statuses.begin(), statuses.end(), 201) == 1);
  CHECK(std::count(statuses.begin(), statuses.end(), 200) == 7);
  CHECK(std::set<std::int64_t>(ids.begin(), ids.end()).size() == 1);
  auto listed = request(port, "GET", "/api/actions?limit=1000").json().at("actions").as_array();
  CHECK(std::count_if(listed.begin(), listed.end(), [](const auto& row) { return row.at("idempotency_key") == "raced"; }) == 1);
}

TEST_CASE(
    "POST /api/actions with an actions array enqueues the batch, each action idempotent by its "
    "key") {
  temp_dir dir;
  running_daemon daemon(dir, dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token) +
                                                          "aol: {maxAttempts: 7}\n"));
  const int port = daemon.port();

  auto earlier = post_action(port, action_body("NOTIFY", "batch-0"));
  REQUIRE(earlier.status == 201);
  CHECK_FALSE(earlier.json().as_object().contains("created"));  // the single answer is unchanged

  auto created =
      post_action(port, "{\"actions\":[" + action_body("POST_SOCIAL", "batch-1", "\"priority\":4") +
                            "," + action_body("POST_SOCIAL", "batch-0") + "," +
                            action_body("POST_SOCIAL", "batch-2", "\"max_attempts\":2") + "," +
                            action_body("NOTIFY", "batch-1") + "]}");
  REQUIRE(created.status == 201);
  const auto actions = created.json().at("actions").as_array();
  REQUIRE(actions.size() == 4);
  CHECK(actions[0].at("created") == true);
  CHECK(actions[0].at("type") == "POST_SOCIAL");
  CHECK(actions[0].at("idempotency_key") == "batch-1");
  CHECK(actions[0].at("priority") == 4);
  CHECK(actions[0].at("max_attempts") == 7);  // the config's aol.maxAttempts
  CHECK(actions[0].at("status") == "PENDING");
  CHECK(actions[0].at("run_at") == far_future_iso);
  CHECK(actions[0].at("payload").at("text") == "hello");
  CHECK(actions[1].at("created") == false);  // queued before the batch
  CHECK(actions[1].at("id") == id_of(earlier));
  CHECK(actions[1].at("type") == "NOTIFY");
  CHECK(actions[2].at("created") == true);
  CHECK(actions[2].at("max_attempts") == 2);
  CHECK(actions[3].at("created") == false);  // earlier in the same batch
  CHECK(actions[3].at("id") == actions[0].at("id"));
  CHECK(actions[3].at("type") == "POST_SOCIAL");

  // Every action shows as a single enqueue would have answered it.
  auto shown =
      request(port, "GET", "/api/actions/" + std::to_string(actions[2].at("id").as_int64()))
          .json()
          .as_object();
  auto answered = actions[2].as_object();
  answered.erase("created");
  CHECK(shown == answered);

  auto again = post_action(port, "{\"actions\":[" + action_body("POST_SOCIAL", "batch-2") + "]}");
  CHECK(again.status == 200);  // nothing new
  CHECK(again.json().at("actions").at(0).at("id") == actions[2].at("id"));
  auto listed = request(port, "GET", "/api/actions?limit=1000").json().at("actions").as_array();
  CHECK(listed.size() == 3);
}

TEST_CASE(
    "a batch with a bad action is refused with 400 naming the item, and nothing of it is written") {
  temp_dir dir;
  running_daemon daemon(dir, written_config(dir));
  const int port = daemon.port();
  const std::string good = action_body("NOTIFY", "good-1");
  std::string too_many = "{\"actions\":[";
  for (int i = 0; i <= store::max_enqueue_batch; ++i) {
    too_many += (i == 0 ? "" : ",") + action_body("NOTIFY", "many-" + std::to_string(i));
  }
  too_many += "]}";
  struct bad_body {
    std::string body;
    std::vector<std::string> named;  // parts of the message that say what is wrong
  };
  const std::vector<bad_body> bodies{
      {"{\"actions\":[" + good + R"(,{"type":"NOTIFY","payload":{}}]})",
       {"actions[1]", "'idempotency_key'"}},
      {"{\"actions\":[" + good + "," + good +
           R"(,{"type":"NOTIFY","idempotency_key":"k","payload":{},"max_attempts":0}]})",
       {"actions[2]", "'max_attempts'"}},
      {R"({"actions":[1]})", {"actions[0]", "JSON object"}},
      {R"({"actions":[]})", {"non-empty array"}},
      {R"({"actions":{"type":"NOTIFY"}})", {"non-empty array"}},
      {"{\"actions\":[" + good + R"(],"type":"NOTIFY"})", {"'type'", "actions"}},
      {too_many, {std::to_string(store::max_enqueue_batch)}},
  };
  for (const auto& bad : bodies) {
    auto refused = post_action(port, bad.body);
    INFO(bad.body.substr(0, 200));
    CHECK(refused.status == 400);
    for (const auto& part : bad.named) CHECK(contains(error_message(refused), part));
  }
  CHECK(request(port, "POST", "/api/actions", "", "{\"actions\":[" + good + "]}").status == 401);
  auto listed = request(port, "GET", "/api/actions?limit=1000").json();
  CHECK(listed.at("actions").as_array().empty());  // not even the good ones
}

TEST_CASE("POST /api/actions refuses bad bodies with 400 and a message, and callers without the token") {
  temp_dir dir;
  running_daemon daemon(dir, written_config(dir));
  const int port = daemon.port();
  struct bad_body {
    std::string body;
    std::string named;  // a part of the message that says what is wrong
  };
  const std::vector<bad_body> bodies{
      {"{\"type\":", "not JSON"},
      {"[1,2]", "JSON object"},
      {R"({"idempotency_key":"k","payload":{}})", "'type'"},
      {R"({"type":"NOTIFY","payload":{}})", "'idempotency_key'"},
      {R"({"type":"NOTIFY","idempotency_key":"","payload":{}})", "'idempotency_key'"},
      {R"({"type":"NOTIFY","idempotency_key":"k"})", "'payload'"},
      {R"({"type":"NOTIFY","idempotency_key":"k","payload":"{\"text\":\"hi\"}"})", "'payload'"},
      {R"({"type":7,"idempotency_key":"k","payload":{}})", "'type'"},
      {R"({"type":"NOTIFY","idempotency_key":"k","payload":{},"priority":"high"})", "'priority'"},
      {R"({"type":"NOTIFY","idempotency_key":"k","payload":{},"priority":1.5})", "'priority'"},
      {R"({"type":"NOTIFY","idempotency_key":"k","payload":{},"run_at":"tomorrow"})", "'run_at'"},
      {R"({"type":"NOTIFY","idempotency_key":"k","payload":{},"run_at":true})", "'run_at'"},
      {R"({"type":"NOTIFY","idempotency_key":"k","payload":{},"max_attempts":0})", "'max_attempts'"},
      {R"({"type":"NOTIFY","idempotency_key":"k","payload":{},"priorty":3})", "'priorty'"},
  };
  for (const auto& bad : bodies) {
    INFO(bad.body);
    auto reply = post_action(port, bad.body);
    CHECK(reply.status == 400);
    CHECK(reply.json().at("error").at("status") == 400);
    CHECK(contains(error_message(reply), bad.named));
  }
  CHECK(request(port, "POST", "/api/actions", "", action_body("NOTIFY", "k")).status == 401);
  CHECK(request(port, "POST", "/api/actions", "wrong", action_body("NOTIFY", "k")).status == 403);
  // None of them queued anything.
  auto listed = request(port, "GET", "/api/actions").json();
  CHECK(listed.at("actions").as_array().empty());
  CHECK(listed.at("counts").at("PENDING") == 0);
}

TEST_CASE("GET /api/actions filters by status and type, pages by id and counts by status") {
  temp_dir dir;
  running_daemon daemon(dir, written_config(dir));
  const int port = daemon.port();
  lease_holder holder(dir);
  for (int i = 0; i < 5; ++i) REQUIRE(post_action(port, action_body("NOTIFY", "n" + std::to_string(i))).status == 201);
  for (int i = 0; i < 2; ++i) REQUIRE(post_action(port, action_body("RUN_JOB", "j" + std::to_string(i))).status == 201);
  holder.dead_lettered(port, "dead");

  auto all = request(port, "GET", "/api/actions").json();
  CHECK(all.at("actions").as_array().size() == 8);
  CHECK(all.at("next_after").is_null());
  CHECK(all.at("counts").at("PENDING") == 7);
  CHECK(all.at("counts").at("DLQ") == 1);
  CHECK(all.at("counts").at("RUNNING") == 0);
  CHECK(all.at("counts").as_object().size() == 8);

  auto notify = request(port, "GET", "/api/actions?type=NOTIFY").json().at("actions").as_array();
  CHECK(notify.size() == 5);
  for (const auto& row : notify) CHECK(row.at("type") == "NOTIFY");
  auto dead = request(port, "GET", "/api/actions?status=DLQ").json().at("actions").as_array();
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].at("idempotency_key") == "dead");
  CHECK(dead[0].at("last_error") == "the platform said no");
  CHECK(dead[0].at("attempts") == 1);
  CHECK(dead[0].at("finished_at").is_string());
  CHECK(request(port, "GET", "/api/actions?status=dlq&type=NOTIFY").json().at("actions").as_array().empty());

  // Page by page, two at a time: every action once, in id order.
  std::vector<std::int64_t> seen;
  std::string after = "0";
  for (int page = 0; page < 10; ++page) {
    auto reply = request(port, "GET", "/api/actions?limit=2&after=" + after).json();
    for (const auto& row : reply.at("actions").as_array()) seen.push_back(row.at("id").as_int64());
    if (reply.at("next_after").is_null()) break;
    after = std::to_string(reply.at("next_after").as_int64());
  }
  CHECK(seen.size() == 8);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(std::set<std::int64_t>(seen.begin(), seen.end()).size() == 8);

  CHECK(contains(error_message(request(port, "GET", "/api/actions?status=DONE")), "NEEDS_DECISION"));
  CHECK(request(port, "GET", "/api/actions?limit=ten").status == 400);
  CHECK(request(port, "GET", "/api/actions?after=-1").status == 400);
  CHECK(request(port, "GET", "/api/actions/999999").status == 404);
  CHECK(request(port, "GET", "/api/actions/abc").status == 400);
}

TEST_CASE("PATCH /api/actions/{id} decides, retries and cancels, refuses what the state does not allow") {
  temp_dir dir;
  running_daemon daemon(dir, written_config(dir));
  const int port = daemon.port();
  lease_holder holder(dir);
  holder.pause_loop();

  SECTION("a decision resumes a waiting action; skip ends it; neither applies twice") {
    const auto waiting = holder.waiting_for_decision(port, "ask");
    CHECK(request(port, "GET", "/api/actions?status=NEEDS_DECISION").json().at("actions").as_array().size() == 1);
    auto approved = patch_action(port, waiting.id, R"({"decision":"approve"})");
    REQUIRE(approved.status == 200);
    CHECK(status_of(approved) == "PENDING");
    CHECK(approved.json().at("decision") == "approve");
    auto twice = patch_action(port, waiting.id, R"({"decision":"approve"})");
    CHECK(twice.status == 409);
    CHECK(contains(error_message(twice), "is PENDING"));
    CHECK(contains(error_message(twice), "NEEDS_DECISION"));

    const auto other = holder.waiting_for_decision(port, "ask-again");
    auto skipped = patch_action(port, other.id, R"({"decision":"skip"})");
    REQUIRE(skipped.status == 200);
    CHECK(status_of(skipped) == "SUCCEEDED");
    CHECK(skipped.json().at("finished_at").is_string());
  }

  SECTION("a DLQ action is retried with its attempts reset; only a DLQ action") {
    const auto dead = holder.dead_lettered(port, "dead");
    auto retried = patch_action(port, dead.id, R"({"op":"retry"})");
    REQUIRE(retried.status == 200);
    CHECK(status_of(retried) == "PENDING");
    CHECK(retried.json().at("attempts") == 0);
    CHECK(retried.json().at("last_error") == "the platform said no");
    auto again = patch_action(port, dead.id, R"({"op":"retry"})");
    CHECK(again.status == 409);
    CHECK(contains(error_message(again), "only a DLQ action can be retried"));
  }

  SECTION("cancel ends a waiting action but never a running one, nor a finished one") {
    auto pending = post_action(port, action_body("NOTIFY", "to-cancel"));
    auto cancelled = patch_action(port, id_of(pending), R"({"op":"cancel"})");
    REQUIRE(cancelled.status == 200);
    CHECK(status_of(cancelled) == "CANCELLED");
    CHECK(contains(error_message(patch_action(port, id_of(pending), R"({"op":"cancel"})")), "finished"));

    const auto running = holder.running(port, "busy");
    auto refused = patch_action(port, running.id, R"({"op":"cancel"})");
    CHECK(refused.status == 409);
    CHECK(contains(error_message(refused), "is RUNNING"));
    CHECK(status_of(request(port, "GET", "/api/actions/" + std::to_string(running.id))) == "RUNNING");
  }

  SECTION("a PROOFED action shows its artifact and is released for a real run; only a PROOFED one") {
    const auto rehearsed = holder.running(port, "rehearsed");
    REQUIRE(store::prove_action(holder.db(), rehearsed.id, rehearsed.lease_token, "/data/proof/r.json", 5).ok());
    auto shown = request(port, "GET", "/api/actions/" + std::to_string(rehearsed.id));
    CHECK(status_of(shown) == "PROOFED");
    CHECK(shown.json().at("proof_artifact") == "/data/proof/r.json");
    CHECK(shown.json().at("attempts") == 0);
    auto listed = request(port, "GET", "/api/actions?status=proofed").json();
    CHECK(listed.at("actions").as_array().size() == 1);
    CHECK(listed.at("counts").at("PROOFED") == 1);
    CHECK(patch_action(port, rehearsed.id, R"({"op":"release"})", "").status == 401);
    auto released = patch_action(port, rehearsed.id, R"({"op":"release"})");
    REQUIRE(released.status == 200);
    CHECK(status_of(released) == "PENDING");
    CHECK(released.json().at("idempotency_key") == "rehearsed");
    auto twice = patch_action(port, rehearsed.id, R"({"op":"release"})");
    CHECK(twice.status == 409);
    CHECK(contains(error_message(twice), "only a PROOFED action can be released"));
  }

  SECTION("a held action shows why it waits") {
    const auto held = holder.running(port, "held");
    REQUIRE(store::hold_action(holder.db(), held.id, held.lease_token, "posting_disabled", far_future_ms, 5).ok());
    auto shown = request(port, "GET", "/api/actions/" + std::to_string(held.id)).json();
    CHECK(shown.at("status") == "PENDING");
    CHECK(shown.at("held_reason") == "posting_disabled");
    CHECK(shown.at("proof_artifact").is_null());
  }

  SECTION("unknown ids are 404, bad bodies 400, callers without the token are refused") {
    auto pending = post_action(port, action_body("NOTIFY", "plain"));
    const auto id = id_of(pending);
    CHECK(patch_action(port, 999999, R"({"op":"cancel"})").status == 404);
    CHECK(patch_action(port, 999999, R"({"decision":"approve"})").status == 404);
    for (const char* body : {"", "{}", R"({"op":"explode"})", R"({"op":"retry","decision":"x"})",
                             R"({"decision":""})", R"({"decision":"auto-skip"})", R"({"decision":3})",
                             R"({"op":"cancel","why":"x"})"}) {
      INFO(body);
      CHECK(patch_action(port, id, body).status == 400);
    }
    CHECK(patch_action(port, id, R"({"op":"cancel"})", "").status == 401);
    CHECK(patch_action(port, id, R"({"op":"cancel"})", "wrong").status == 403);
    CHECK(status_of(request(port, "GET", "/api/actions/" + std::to_string(id))) == "PENDING");
  }
}

TEST_CASE("GET /api/aol/ticks shows the tick ledger newest first, the AOL flags need the admin token") {
  temp_dir dir;
  running_daemon daemon(dir, written_config(dir));
  const int port = daemon.port();
  lease_holder holder(dir);

  for (int i = 0; i < 3; ++i) {
    auto tick = store::begin_tick(holder.db(), "api-actions-test", 4, far_future_ms + i * 1000);
    REQUIRE(tick.ok());
    REQUIRE(store::finish_tick(holder.db(), *tick, store::tick_status::success, i + 1, i, far_future_ms + i * 1000 + 250)
                .ok());
  }
  auto ticks = request(port, "GET", "/api/aol/ticks?limit=1000").json().at("ticks").as_array();
  std::vector<boost::json::value> ours;
  for (const auto& tick : ticks) {
    if (tick.at("owner") == "api-actions-test") ours.push_back(tick);
  }
  REQUIRE(ours.size() == 3);
  CHECK(ours[0].at("attempted") == 3);  // the last one written comes first
  CHECK(ours[0].at("succeeded") == 2);
  CHECK(ours[0].at("status") == "SUCCESS");
  CHECK(ours[0].at("duration_ms") == 250);
  CHECK(ours[0].at("epoch") == 4);
  CHECK(ours[0].at("started_at") == "2100-01-01T00:00:02.000Z");
  CHECK(ours[2].at("attempted") == 1);
  for (std::size_t i = 1; i < ticks.size(); ++i) CHECK(ticks[i - 1].at("id").as_int64() > ticks[i].at("id").as_int64());
  CHECK(request(port, "GET", "/api/aol/ticks?limit=2").json().at("ticks").as_array().size() == 2);
  CHECK(request(port, "GET", "/api/aol/ticks?limit=x").status == 400);

  auto flags = [&] { return request(port, "GET", "/admin/aol/flags", test_admin_token).json(); };
  CHECK(request(port, "GET", "/admin/aol/flags").status == 401);
  CHECK(request(port, "GET", "/admin/aol/flags", "wrong").status == 403);
  CHECK(request(port, "POST", "/admin/aol/flags", "", R"({"paused":true})").status == 401);
  CHECK(request(port, "POST", "/admin/aol/flags", "wrong", R"({"paused":true})").status == 403);
  // The daemon's loop started a new database in PROOF mode (aol.proof defaults to true).
  CHECK(flags() == boost::json::parse(R"({"paused":false,"proof":true})"));

  auto paused = request(port, "POST", "/admin/aol/flags", test_admin_token, R"({"paused":true})");
  CHECK(paused.status == 200);
  CHECK(paused.json() == boost::json::parse(R"({"paused":true,"proof":true})"));
  CHECK(request(port, "POST", "/admin/aol/flags", test_admin_token, R"({"proof":true})").json() ==
        boost::json::parse(R"({"paused":true,"proof":true})"));
  auto stored = store::load_control_flags(holder.db());
  REQUIRE(stored.ok());
  CHECK(stored->paused);
  CHECK(stored->proof);

  for (const char* body : {R"({"paused":false,"turbo":true})", R"({"paused":"false"})", "[true]", "paused=false"}) {
    INFO(body);
    auto refused = request(port, "POST", "/admin/aol/flags", test_admin_token, body);
    CHECK(refused.status == 400);
  }
  CHECK(contains(error_message(request(port, "POST", "/admin/aol/flags", test_admin_token,
                                       R"({"turbo":true})")),
                 "paused, proof"));
  CHECK(flags() == boost::json::parse(R"({"paused":true,"proof":true})"));  // a refused body changed nothing
  CHECK(request(port, "POST", "/admin/aol/flags", test_admin_token,
                R"({"paused":false,"proof":false})")
            .json() == boost::json::parse(R"({"paused":false,"proof":false})"));
}

TEST_CASE(
    "troupe enqueue --file enqueues many actions in one transaction, each idempotent by its key") {
  temp_dir dir;
  const std::string db = "sqlite:" + dir.file("cli.db");
  auto troupe = [&](std::vector<std::string> args) {
    return troupe_on_database(db, std::move(args), dir);
  };
  REQUIRE(troupe({"enqueue", "NOTIFY", "--key", "file-0"}).exit_code == 0);
  const auto batch = dir.write(
      "batch.json", "{\"actions\":[" + action_body("POST_SOCIAL", "file-1", "\"priority\":3") +
                        "," + action_body("NOTIFY", "file-0") + "," +
                        action_body("POST_SOCIAL", "file-2", "\"max_attempts\":2") + "," +
                        action_body("POST_SOCIAL", "file-1") + "]}");
  const auto config = dir.write("aol.yaml", "aol: {maxAttempts: 9}\n");
  auto created = troupe({"enqueue", "--file", batch, "--config", config});
  CHECK(created.exit_code == 0);
  CHECK(contains(created.output,
                 "created action 2\nexists: action 1 (status PENDING)\ncreated action 3\nexists: "
                 "action 2 (status PENDING)\n"));

  auto bad_item =
      dir.write("bad.json", "{\"actions\":[" + action_body("NOTIFY", "file-3") +
                                R"(,{"type":"NOTIFY","idempotency_key":"file-4","payload":[1]}]})");
  auto refused = troupe({"enqueue", "--file", bad_item});
  CHECK(refused.exit_code == 2);
  CHECK(contains(refused.output, "actions[1]: 'payload' must be a JSON object"));
  auto not_batch =
      troupe({"enqueue", "--file", dir.write("single.json", action_body("NOTIFY", "file-5"))});
  CHECK(not_batch.exit_code == 2);
  CHECK(contains(not_batch.output, "{\"actions\": [...]}"));
  auto both = troupe({"enqueue", "NOTIFY", "--key", "file-6", "--file", batch});
  CHECK(both.exit_code == 2);
  CHECK(contains(both.output, "leave out the type, --key"));
  CHECK(troupe({"enqueue", "--file", dir.file("missing.json")}).exit_code == 2);

  auto opened = store::database::open(db);
  REQUIRE(opened.ok());
  auto first = store::load_action(*opened, 2);
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  CHECK((*first)->idempotency_key == "file-1");
  CHECK((*first)->priority == 3);
  CHECK((*first)->max_attempts == 9);  // the config's aol.maxAttempts
  CHECK((*first)->run_at_ms == far_future_ms);
  auto third = store::load_action(*opened, 3);
  REQUIRE(third.ok());
  REQUIRE(third->has_value());
  CHECK((*third)->max_attempts == 2);
  auto counts = store::count_actions_by_status(*opened);
  REQUIRE(counts.ok());
  CHECK(counts->at(store::action_status::pending) == 3);  // the refused file left nothing
}

TEST_CASE("troupe enqueue, actions and flags work on the configured database without a daemon") {
  temp_dir dir;
  const std::string db = "sqlite:" + dir.file("cli.db");
  auto troupe = [&](std::vector<std::string> args) {
    return troupe_on_database(db, std::move(args), dir);
  };

  auto created = troupe({"enqueue", "POST_SOCIAL", "--payload", R"({"account":"a1","text":"hi"})", "--key", "cli-1",
                         "--priority", "3", "--run-at", "2100-01-01T00:00:00Z"});
  CHECK(created.exit_code == 0);
  CHECK(contains(created.output, "created action 1"));
  auto again = troupe({"enqueue", "POST_SOCIAL", "--payload", "{}", "--key", "cli-1"});
  CHECK(again.exit_code == 0);
  CHECK(contains(again.output, "exists: action 1 (status PENDING)"));
  const auto config = dir.write("aol.yaml", "aol: {maxAttempts: 9}\n");
  CHECK(troupe({"enqueue", "MYSTERY", "--key", "cli-2", "--run-at", "1000", "--config", config}).exit_code == 0);

  auto not_json = troupe({"enqueue", "NOTIFY", "--payload", "{text: hi}", "--key", "bad-1"});
  CHECK(not_json.exit_code == 2);
  CHECK(contains(not_json.output, "--payload is not JSON"));
  CHECK(troupe({"enqueue", "NOTIFY", "--payload", "[1]", "--key", "bad-2"}).exit_code == 2);
  auto bad_time = troupe({"enqueue", "NOTIFY", "--key", "bad-3", "--run-at", "next tuesday"});
  CHECK(bad_time.exit_code == 2);
  CHECK(contains(bad_time.output, "--run-at"));

  {
    auto opened = store::database::open(db);
    REQUIRE(opened.ok());
    auto first = store::load_action(*opened, 1);
    REQUIRE(first.ok());
    REQUIRE(first->has_value());
    CHECK((*first)->priority == 3);
    CHECK((*first)->run_at_ms == far_future_ms);
    CHECK((*first)->max_attempts == 5);
    CHECK(boost::json::parse((*first)->payload_json).at("text") == "hi");
    auto second = store::load_action(*opened, 2);
    REQUIRE(second.ok());
    REQUIRE(second->has_value());
    CHECK((*second)->max_attempts == 9);  // the config's aol.maxAttempts
    auto counts = store::count_actions_by_status(*opened);
    REQUIRE(counts.ok());
    CHECK(counts->at(store::action_status::pending) == 2);  // the refused ones left nothing
  }

  auto listed = troupe({"actions"});
  CHECK(listed.exit_code == 0);
  CHECK(contains(listed.output, "ID  TYPE         STATUS   PRIORITY  ATTEMPTS  NEXT ATTEMPT"));
  CHECK(contains(listed.output, "POST_SOCIAL  PENDING         3       0/5  2100-01-01T00:00:00.000Z  cli-1"));
  CHECK(contains(listed.output, "MYSTERY"));
  auto pending = troupe({"actions", "--status", "pending"});
  CHECK(pending.exit_code == 0);
  CHECK(contains(pending.output, "cli-1"));
  auto none = troupe({"actions", "--status", "DLQ"});
  CHECK(none.exit_code == 0);
  CHECK(contains(none.output, "no DLQ actions"));
  CHECK_FALSE(contains(none.output, "cli-1"));
  CHECK(troupe({"actions", "--status", "finished"}).exit_code == 2);

  {
    auto opened = store::database::open(db);
    REQUIRE(opened.ok());
    auto claimed = store::claim_due_actions(*opened, "cli-test", far_future_ms, 60'000, 1);
    REQUIRE(claimed.ok());
    REQUIRE(claimed->size() == 1);
    REQUIRE(claimed->front().id == 1);
    REQUIRE(store::prove_action(*opened, 1, claimed->front().lease_token, "/d/proof/1-1.json", far_future_ms).ok());
  }
  CHECK(contains(troupe({"actions", "--status", "PROOFED"}).output, "proof: /d/proof/1-1.json"));
  auto released = troupe({"actions", "--release", "1"});
  CHECK(released.exit_code == 0);
  CHECK(contains(released.output, "released action 1: PENDING for a real run under the same key"));
  auto not_proofed = troupe({"actions", "--release", "1"});
  CHECK(not_proofed.exit_code == 2);
  CHECK(contains(not_proofed.output, "action 1 is PENDING; only a PROOFED action can be released"));
  CHECK(contains(troupe({"actions", "--release", "77"}).output, "action 77 does not exist"));

  auto flags = troupe({"flags"});
  CHECK(flags.exit_code == 0);
  CHECK(contains(flags.output, "paused: false\nproof: false\n"));
  auto set = troupe({"flags", "--set", "paused=true", "--set", "proof=true"});
  CHECK(set.exit_code == 0);
  CHECK(contains(set.output, "paused: true\nproof: true\n"));
  auto unknown = troupe({"flags", "--set", "proof=false", "--set", "turbo=true"});
  CHECK(unknown.exit_code == 2);
  CHECK(contains(unknown.output, "unknown flag 'turbo'"));
  CHECK(troupe({"flags", "--set", "paused=maybe"}).exit_code == 2);
  CHECK(troupe({"flags", "--set", "paused"}).exit_code == 2);
  CHECK(contains(troupe({"flags"}).output, "paused: true\nproof: true\n"));  // refused sets changed nothing
}
