#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <fstream>
#include <set>

#include "driver_fixture.hpp"

using namespace troupe::driver;
using namespace troupe::driver::testing;

namespace {

driver_invocation sim_verb(const std::string& verb, const std::vector<std::string>& extra,
                           const std::map<std::string, std::string>& env = {}) {
  return sim_invocation(verb_arguments(verb + ".js", verb, "acct-1", "sess-1", false, extra), env);
}

// The exit codes of twenty sessions that fail half the time with `seed`.
std::vector<int> fates_of(const std::string& seed) {
  std::vector<int> codes;
  for (int n = 0; n < 20; ++n) {
    const auto invocation =
        sim_invocation(session_arguments("follow.js", "acct-1", 1, std::nullopt,
                                         "sess-" + std::to_string(n), false, {}),
                       {{"SIM_DRIVER_SEED", seed}, {"SIM_DRIVER_P_TRANSIENT", "0.5"}});
    codes.push_back(run(invocation).outcome.exit_code);
  }
  return codes;
}

constexpr std::int64_t minute_ms = 60'000;
constexpr std::int64_t hour_ms = 60 * minute_ms;

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The items of a successful harvest with seed 3 in `session`.
boost::json::array harvest_of(const std::string& session,
                              const std::map<std::string, std::string>& env = {}) {
  auto seeded = env;
  seeded.emplace("SIM_DRIVER_SEED", "3");
  const auto outcome =
      run(sim_invocation(verb_arguments("harvest.js", "harvest", "acct-1", session, false, {}),
                         seeded))
          .outcome;
  REQUIRE(outcome.kind == outcome_kind::success);
  return parse_object(*outcome.result_json).at("items").as_array();
}

// Checks that `item` has exactly the fields the reply pipeline reads, typed
// and shaped as it expects (as_string and as_int64 throw on a wrong type).
void check_harvested_item(const boost::json::object& item) {
  const std::string id(item.at("id").as_string());
  const std::string author(item.at("author").as_string());
  CHECK(id.rfind("sim-", 0) == 0);
  CHECK(author.rfind("author_", 0) == 0);
  CHECK(std::string(item.at("url").as_string()) ==
        "https://example.invalid/" + author + "/status/" + id);
  CHECK(item.at("text").as_string().size() >= 40);
  CHECK(item.at("text").as_string().size() <= 200);
  CHECK(item.at("author_followers").as_int64() >= 10);
  CHECK(item.at("author_followers").as_int64() <= 2'000'000);
  CHECK(item.at("posted_at_ms").is_int64());
  for (const char* count : {"likes", "replies", "reposts"}) CHECK(item.at(count).as_int64() >= 0);
  CHECK(item.size() == 9);
}

driver_invocation preflight_of(const std::string& target, const std::string& session,
                               const std::map<std::string, std::string>& env) {
  return sim_invocation(
      verb_arguments("preflight.js", "preflight", "acct-1", session, false, {"--target", target}),
      env);
}

// Whether a successful preflight found its target deleted; checks that its
// two answers agree.
bool found_deleted(const driver_outcome& outcome) {
  REQUIRE(outcome.kind == outcome_kind::success);
  const auto answer = parse_object(*outcome.result_json);
  const bool deleted = answer.at("deleted").as_bool();
  CHECK(answer.at("available").as_bool() == !deleted);
  return deleted;
}

bool whoami_logged_in(const std::map<std::string, std::string>& env) {
  const auto outcome = run(sim_verb("whoami", {}, env)).outcome;
  REQUIRE(outcome.kind == outcome_kind::success);
  const auto answer = parse_object(*outcome.result_json);
  CHECK(answer.at("handle") == "sim_acct-1");
  return answer.at("logged_in").as_bool();
}

} // namespace

TEST_CASE("the same seed and sessions give the same fates, another seed other fates") {
  const auto first = fates_of("7");
  CHECK(first == fates_of("7"));
  CHECK(first != fates_of("8"));
  CHECK(std::count(first.begin(), first.end(), 2) > 0);
  CHECK(std::count(first.begin(), first.end(), 0) > 0);
}

TEST_CASE("the same seed and session give the same harvest at the same ages, another session another harvest") {
  const auto start = system_now_ms();
  auto first = harvest_of("s-1");
  auto second = harvest_of("s-1");
  const auto elapsed = system_now_ms() - start;
  REQUIRE(first.size() == second.size());
  // posted_at_ms is the run's now minus the age: equal ages move every
  // item's by the same offset, the time between the two runs' nows.
  const auto posted_at = [](const boost::json::value& item) {
    return item.at("posted_at_ms").as_int64();
  };
  const auto offset = posted_at(second[0]) - posted_at(first[0]);
  CHECK(offset >= 0);
  CHECK(offset <= elapsed);
  for (std::size_t i = 0; i < first.size(); ++i) {
    CHECK(posted_at(second[i]) - posted_at(first[i]) == offset);
    first[i].as_object().erase("posted_at_ms");
    second[i].as_object().erase("posted_at_ms");
  }
  CHECK(first == second);
  CHECK(harvest_of("s-1") != harvest_of("s-2"));
}

TEST_CASE("harvest items carry every field the reply pipeline reads, with the right types") {
  std::set<std::string> texts;
  std::vector<std::int64_t> followers;
  for (int n = 0; n < 10; ++n) {
    const auto items = harvest_of("s-" + std::to_string(n));
    CHECK(items.size() >= 3);
    CHECK(items.size() <= 12);
    for (const auto& item : items) {
      check_harvested_item(item.as_object());
      texts.emplace(item.at("text").as_string());
      followers.push_back(item.at("author_followers").as_int64());
    }
  }
  CHECK(texts.size() > followers.size() / 2);
  // Long-tailed reach: small accounts and huge ones.
  CHECK(*std::min_element(followers.begin(), followers.end()) < 1'000);
  CHECK(*std::max_element(followers.begin(), followers.end()) > 100'000);
}

TEST_CASE("harvest ages run from 5 minutes to 30 hours, mostly under 12 h and some over 24 h") {
  std::vector<std::int64_t> ages_ms;
  for (int n = 0; n < 10; ++n) {
    const auto before = system_now_ms();
    const auto items = harvest_of("s-" + std::to_string(n));
    const auto after = system_now_ms();
    for (const auto& item : items) {
      const auto posted_at = item.at("posted_at_ms").as_int64();
      // The driver's now lies between `before` and `after`.
      CHECK(after - posted_at >= 5 * minute_ms);
      CHECK(before - posted_at <= 30 * hour_ms);
      ages_ms.push_back(after - posted_at);
    }
  }
  const auto share = [&](std::int64_t from_ms, std::int64_t to_ms) {
    const auto in_band = std::count_if(ages_ms.begin(), ages_ms.end(), [&](std::int64_t age) {
      return age >= from_ms && age < to_ms;
    });
    return static_cast<double>(in_band) / static_cast<double>(ages_ms.size());
  };
  CHECK(share(0, 12 * hour_ms) >= 0.6);
  CHECK(share(12 * hour_ms, 24 * hour_ms) > 0);
  CHECK(share(24 * hour_ms, 31 * hour_ms) > 0);
  CHECK(share(24 * hour_ms, 31 * hour_ms) <= 0.2);
}

TEST_CASE("harvest-count forces the number of items, and 0 gives an empty harvest that succeeds") {
  const auto empty = run(sim_verb("harvest", {}, {{"SIM_DRIVER_HARVEST_COUNT", "0"}})).outcome;
  CHECK(empty.exit_code == 0);
  REQUIRE(empty.result_json);
  CHECK(parse_object(*empty.result_json).at("items").as_array().empty());
  CHECK(harvest_of("s-1", {{"SIM_DRIVER_HARVEST_COUNT", "20"}}).size() == 20);
}

TEST_CASE("a follow session consumes at most the targets left after the cursor") {
  scratch_dir dir;
  const auto targets = dir.file("targets.txt");
  std::ofstream(targets) << "alice\nbob\ncarol\ndave\neve\n";
  const auto follow = [&](std::int64_t count, int cursor) {
    return run(sim_invocation(
                   session_arguments("follow.js", "acct-1", count, std::nullopt, "s-1", false,
                                     {"--targets", targets, "--cursor", std::to_string(cursor)})))
        .outcome;
  };
  const auto partial = follow(10, 3);
  CHECK(partial.kind == outcome_kind::success);
  REQUIRE(partial.result_json);
  CHECK(parse_object(*partial.result_json).at("consumed") == 2);
  CHECK(parse_object(*partial.result_json).at("count") == 2);
  const auto bounded = follow(2, 0);
  CHECK(parse_object(*bounded.result_json).at("consumed") == 2);
  const auto exhausted = follow(10, 5);
  CHECK(exhausted.kind == outcome_kind::no_targets);
  CHECK(exhausted.exit_code == 4);
}

TEST_CASE("a post appends its idempotency key to the ledger, a proof post does not") {
  scratch_dir dir;
  const auto ledger = dir.file("ledger.txt");
  for (const char* key : {"key-1", "key-2"}) {
    const auto outcome =
        run(sim_verb("post", {"--idempotency-key", key}, {{"SIM_DRIVER_LEDGER", ledger}})).outcome;
    CHECK(outcome.kind == outcome_kind::success);
    REQUIRE(outcome.result_json);
    CHECK(parse_object(*outcome.result_json).at("idempotency_key") == key);
    CHECK(parse_object(*outcome.result_json).at("posted") == true);
  }
  auto proof = sim_invocation(
      verb_arguments("post.js", "post", "acct-1", "s-1", true, {"--idempotency-key", "key-3"}),
      {{"SIM_DRIVER_LEDGER", ledger}});
  CHECK(parse_object(*run(proof).outcome.result_json).at("posted") == false);
  CHECK(read_file(ledger) == "key-1\nkey-2\n");
}

TEST_CASE("a failing post fails before it posts") {
  scratch_dir dir;
  const auto ledger = dir.file("ledger.txt");
  const auto outcome = run(sim_verb("post", {"--idempotency-key", "k", "--sim-exit", "2"},
                                    {{"SIM_DRIVER_LEDGER", ledger}}))
                           .outcome;
  CHECK(outcome.kind == outcome_kind::transient);
  CHECK_FALSE(std::filesystem::exists(ledger));
}

TEST_CASE("a lookup finds a posted key with the post's post id, and not a key never posted") {
  scratch_dir dir;
  const std::map<std::string, std::string> env{{"SIM_DRIVER_LEDGER", dir.file("ledger.txt")}};
  const auto posted = run(sim_verb("post", {"--idempotency-key", "key-1"}, env)).outcome;
  REQUIRE(posted.kind == outcome_kind::success);
  const auto post_id = parse_object(*posted.result_json).at("post_id");

  const auto found = run(sim_verb("lookup", {"--idempotency-key", "key-1"}, env)).outcome;
  CHECK(found.kind == outcome_kind::success);
  REQUIRE(found.result_json);
  const auto found_result = parse_object(*found.result_json);
  CHECK(found_result.at("idempotency_key") == "key-1");
  CHECK(found_result.at("found") == true);
  CHECK(found_result.at("post_id") == post_id);

  const auto absent = run(sim_verb("lookup", {"--idempotency-key", "key-2"}, env)).outcome;
  CHECK(absent.kind == outcome_kind::success);
  REQUIRE(absent.result_json);
  const auto absent_result = parse_object(*absent.result_json);
  CHECK(absent_result.at("idempotency_key") == "key-2");
  CHECK(absent_result.at("found") == false);
  CHECK_FALSE(absent_result.contains("post_id"));
}

TEST_CASE("a lookup without a ledger or with lookup-unknown cannot tell: exit 2, no result") {
  scratch_dir dir;
  const auto ledger = dir.file("ledger.txt");
  REQUIRE(run(sim_verb("post", {"--idempotency-key", "key-1"}, {{"SIM_DRIVER_LEDGER", ledger}}))
              .outcome.kind == outcome_kind::success);
  const auto without_ledger = run(sim_verb("lookup", {"--idempotency-key", "key-1"})).outcome;
  CHECK(without_ledger.exit_code == 2);
  CHECK(without_ledger.kind == outcome_kind::transient);
  CHECK_FALSE(without_ledger.result_json);
  const auto unknown =
      run(sim_verb("lookup", {"--idempotency-key", "key-1", "--sim-lookup-unknown", "1"},
                   {{"SIM_DRIVER_LEDGER", ledger}}))
          .outcome;
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.kind == outcome_kind::transient);
  CHECK_FALSE(unknown.result_json);
}

TEST_CASE("die-after-post posts, then dies by SIGKILL before its result, and a lookup finds the post") {
  scratch_dir dir;
  const auto ledger = dir.file("ledger.txt");
  const auto died =
      run(sim_verb("post", {"--idempotency-key", "key-1"},
                   {{"SIM_DRIVER_LEDGER", ledger}, {"SIM_DRIVER_DIE_AFTER_POST", "1"}}))
          .outcome;
  CHECK(died.exit_code == 128 + SIGKILL);
  CHECK(died.kind == outcome_kind::hard_error);
  CHECK_FALSE(died.killed);  // it killed itself; the runtime did not
  CHECK_FALSE(died.result_json);
  CHECK(read_file(ledger) == "key-1\n");

  const auto found =
      run(sim_verb("lookup", {"--idempotency-key", "key-1"}, {{"SIM_DRIVER_LEDGER", ledger}}))
          .outcome;
  REQUIRE(found.kind == outcome_kind::success);
  CHECK(parse_object(*found.result_json).at("found") == true);
  const auto retried =
      run(sim_verb("post", {"--idempotency-key", "key-1"}, {{"SIM_DRIVER_LEDGER", ledger}}))
          .outcome;
  REQUIRE(retried.kind == outcome_kind::success);
  CHECK(parse_object(*retried.result_json).at("duplicate") == true);
  CHECK(parse_object(*found.result_json).at("post_id") ==
        parse_object(*retried.result_json).at("post_id"));
}

TEST_CASE("a proof post with die-after-post records nothing and reports") {
  scratch_dir dir;
  const auto ledger = dir.file("ledger.txt");
  const auto outcome =
      run(sim_invocation(verb_arguments("post.js", "post", "acct-1", "s-1", true,
                                        {"--idempotency-key", "key-1"}),
                         {{"SIM_DRIVER_LEDGER", ledger}, {"SIM_DRIVER_DIE_AFTER_POST", "1"}}))
          .outcome;
  CHECK(outcome.kind == outcome_kind::success);
  REQUIRE(outcome.result_json);
  CHECK(parse_object(*outcome.result_json).at("posted") == false);
  CHECK_FALSE(std::filesystem::exists(ledger));
}

TEST_CASE("fail-activity fails that activity's sessions hard and leaves other sessions and verbs alone") {
  const std::map<std::string, std::string> env{{"SIM_DRIVER_FAIL_ACTIVITY", "follow"}};
  auto session = [&](const char* script) {
    return run(sim_invocation(session_arguments(script, "acct-1", 1, std::nullopt, "sess-1", false, {}), env))
        .outcome;
  };
  CHECK(session("follow.js").kind == outcome_kind::hard_error);
  CHECK(session("follow.js").exit_code == 1);
  CHECK(session("like.js").kind == outcome_kind::success);
  CHECK(run(sim_verb("recover", {"--step", "homepage"}, env)).outcome.kind == outcome_kind::success);
}

TEST_CASE("each verb answers with its own result") {
  const auto result_of = [](const driver_invocation& invocation) {
    const auto outcome = run(invocation).outcome;
    REQUIRE(outcome.kind == outcome_kind::success);
    return parse_object(*outcome.result_json);
  };
  CHECK(result_of(sim_verb("recover", {"--step", "homepage"})).at("step") == "homepage");
  CHECK(result_of(sim_verb("whoami", {})).at("handle") == "sim_acct-1");
  CHECK(result_of(sim_verb("preflight", {"--target", "post-9"})).at("available") == true);
  const auto metrics = result_of(sim_verb("metrics", {"--post-id", "p-1"}));
  for (const char* count : {"impressions", "likes", "retweets", "replies", "bookmarks", "quotes"}) {
    CHECK(metrics.at(count).as_int64() >= 0);
  }
  CHECK(metrics.at("likes").as_int64() <= metrics.at("impressions").as_int64());
  CHECK(result_of(sim_verb("harvest", {})).at("items").as_array().size() >= 3);
  const auto reply = result_of(sim_verb("post", {"--idempotency-key", "k", "--reply-to", "sim-1"}));
  CHECK(reply.at("reply_to") == "sim-1");
}

TEST_CASE("preflight ok finds the target, preflight deleted finds it gone, both with exit 0") {
  const auto ok = run(sim_verb("preflight", {"--target", "sim-1"})).outcome;
  CHECK_FALSE(found_deleted(ok));
  CHECK(parse_object(*ok.result_json).at("target") == "sim-1");
  const auto gone =
      run(sim_verb("preflight", {"--target", "sim-1"}, {{"SIM_DRIVER_PREFLIGHT", "deleted"}}))
          .outcome;
  CHECK(found_deleted(gone));
  CHECK(gone.exit_code == 0);
}

TEST_CASE("preflight error fails hard: exit 1 and no result") {
  const auto outcome =
      run(sim_verb("preflight", {"--target", "sim-1"}, {{"SIM_DRIVER_PREFLIGHT", "error"}}))
          .outcome;
  CHECK(outcome.exit_code == 1);
  CHECK(outcome.kind == outcome_kind::hard_error);
  CHECK_FALSE(outcome.result_json);
}

TEST_CASE("a slow preflight outlasts a caller's short timeout") {
  auto invocation =
      sim_verb("preflight", {"--target", "sim-1"},
               {{"SIM_DRIVER_PREFLIGHT", "slow"}, {"SIM_DRIVER_PREFLIGHT_SLOW_MS", "2000"}});
  invocation.timeout = 500ms;
  const auto outcome = run(invocation).outcome;
  CHECK(outcome.kind == outcome_kind::timeout);
  CHECK_FALSE(outcome.result_json);
  CHECK(outcome.duration < 2000ms);
}

TEST_CASE("a slow preflight sleeps real time whatever the time scale, then answers ok") {
  // The fixture's time scale is 0: a scaled sleep would take no time.
  const auto outcome =
      run(sim_verb("preflight", {"--target", "sim-1"},
                   {{"SIM_DRIVER_PREFLIGHT", "slow"}, {"SIM_DRIVER_PREFLIGHT_SLOW_MS", "300"}}))
          .outcome;
  CHECK_FALSE(found_deleted(outcome));
  CHECK(outcome.duration >= 300ms);
}

TEST_CASE("p-deleted 1 finds every target deleted, p-deleted 0 none") {
  for (const char* target : {"sim-1", "sim-2", "sim-3", "sim-4"}) {
    CHECK(found_deleted(run(preflight_of(target, "s-1", {{"SIM_DRIVER_P_DELETED", "1"}})).outcome));
    CHECK_FALSE(
        found_deleted(run(preflight_of(target, "s-1", {{"SIM_DRIVER_P_DELETED", "0"}})).outcome));
  }
}

TEST_CASE("with p-deleted 0.5 a target gets the same answer in every session") {
  const std::map<std::string, std::string> env{{"SIM_DRIVER_P_DELETED", "0.5"}};
  int deleted = 0;
  for (int n = 0; n < 10; ++n) {
    const auto target = "sim-" + std::to_string(n);
    const bool in_first = found_deleted(run(preflight_of(target, "preflight-a", env)).outcome);
    CHECK(found_deleted(run(preflight_of(target, "preflight-b", env)).outcome) == in_first);
    deleted += in_first ? 1 : 0;
  }
  CHECK(deleted > 0);
  CHECK(deleted < 10);
}

TEST_CASE("whoami answers logged out while the logged-out file exists, logged in once it is gone") {
  scratch_dir dir;
  const auto marker = dir.file("logged-out");
  const std::map<std::string, std::string> env{{"SIM_DRIVER_LOGGED_OUT_FILE", marker}};
  CHECK(whoami_logged_in(env));
  std::ofstream(marker).close();
  CHECK_FALSE(whoami_logged_in(env));
  std::filesystem::remove(marker);
  CHECK(whoami_logged_in(env));
}

TEST_CASE("logged-out makes whoami answer logged out") {
  CHECK(whoami_logged_in({}));
  CHECK_FALSE(whoami_logged_in({{"SIM_DRIVER_LOGGED_OUT", "true"}}));
}

TEST_CASE("a verb missing its own option is a usage error, a hard error by the contract") {
  const auto outcome = run(sim_verb("recover", {})).outcome;
  CHECK(outcome.exit_code == 64);
  CHECK(outcome.kind == outcome_kind::hard_error);
}

TEST_CASE("an unknown option is a usage error") {
  CHECK(run(sim_session({"--frobnicate", "1"})).outcome.exit_code == 64);
}

TEST_CASE("--help prints the usage and succeeds") {
  scratch_dir dir;
  auto invocation = sim_invocation({"--help"});
  invocation.log_path = dir.file("s.log");
  CHECK(run(invocation).outcome.kind == outcome_kind::success);
  CHECK_THAT(read_file(invocation.log_path), Catch::Contains("[stdout] usage: sim-driver SCRIPT"));
  for (const char* knob : {"harvest-count N", "preflight MODE", "p-deleted P", "logged-out 1",
                           "logged-out-file FILE"}) {
    CHECK_THAT(read_file(invocation.log_path), Catch::Contains(knob));
  }
}

TEST_CASE("the time scale shrinks a seconds session: 120 s at 0.001 take about 0.12 s") {
  const auto invocation =
      sim_invocation(session_arguments("stories.js", "acct-1", std::nullopt, 120, "s-1", false, {}),
                     {{"SIM_DRIVER_TIME_SCALE", "0.001"}});
  const auto outcome = run(invocation).outcome;
  CHECK(outcome.kind == outcome_kind::success);
  CHECK(outcome.duration >= 120ms);
  CHECK(outcome.duration < 1s);
}

TEST_CASE("a count session takes count times the item time") {
  auto invocation = sim_session({"--sim-item-ms", "60", "--sim-time-scale", "1"});
  const auto outcome = run(invocation).outcome;
  CHECK(outcome.kind == outcome_kind::success);
  CHECK(outcome.duration >= 180ms);
  CHECK(outcome.duration < 1500ms);
}
