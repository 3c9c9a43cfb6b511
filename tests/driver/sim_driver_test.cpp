#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>

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

} // namespace

TEST_CASE("the same seed and sessions give the same fates, another seed other fates") {
  const auto first = fates_of("7");
  CHECK(first == fates_of("7"));
  CHECK(first != fates_of("8"));
  CHECK(std::count(first.begin(), first.end(), 2) > 0);
  CHECK(std::count(first.begin(), first.end(), 0) > 0);
}

TEST_CASE("the same seed gives the same harvest, another session another harvest") {
  const auto harvest = [](const std::string& session) {
    return *run(sim_invocation(
                    verb_arguments("harvest.js", "harvest", "acct-1", session, false, {}),
                    {{"SIM_DRIVER_SEED", "3"}}))
                .outcome.result_json;
  };
  CHECK(harvest("s-1") == harvest("s-1"));
  CHECK(harvest("s-1") != harvest("s-2"));
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
  CHECK(result_of(sim_verb("harvest", {})).at("items").as_array().size() >= 1);
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
