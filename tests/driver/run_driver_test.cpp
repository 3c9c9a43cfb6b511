#include <signal.h>

#include <catch2/catch.hpp>
#include <thread>

#include "driver_fixture.hpp"

using namespace troupe::driver;
using namespace troupe::driver::testing;

TEST_CASE("a successful session relays its progress lines and keeps its last result") {
  const auto finished = run(sim_session({"--sim-progress", "4"}));
  CHECK(finished.outcome.kind == outcome_kind::success);
  CHECK(finished.outcome.exit_code == 0);
  CHECK(finished.outcome.error.empty());
  REQUIRE(finished.progress.size() == 4);
  for (const auto& line : finished.progress) {
    CHECK(parse_object(line).at("event") == "progress");
  }
  CHECK(parse_object(finished.progress.back()).at("done") == 3);
  CHECK(finished.outcome.progress_lines == 4);
  REQUIRE(finished.outcome.result_json);
  const auto result = parse_object(*finished.outcome.result_json);
  CHECK(result.at("activity") == "follow");
  CHECK(result.at("count") == 3);
  CHECK(result.at("session") == "sess-1");
  CHECK(finished.outcome.malformed_lines == 0);
  CHECK_FALSE(finished.outcome.output_truncated);
  CHECK(finished.outcome.stdout_bytes == finished.outcome.captured_bytes);
}

TEST_CASE("each exit code of the contract comes back as its outcome kind") {
  const std::pair<int, outcome_kind> table[] = {{2, outcome_kind::transient},
                                                {3, outcome_kind::auth_required},
                                                {4, outcome_kind::no_targets},
                                                {1, outcome_kind::hard_error},
                                                {70, outcome_kind::hard_error}};
  for (const auto& [code, kind] : table) {
    INFO("exit code " << code);
    const auto outcome = run(sim_session({"--sim-exit", std::to_string(code)})).outcome;
    CHECK(outcome.exit_code == code);
    CHECK(outcome.kind == kind);
    CHECK_THAT(outcome.error, Catch::Contains("exited with code " + std::to_string(code)));
    CHECK_FALSE(outcome.result_json);
  }
}

TEST_CASE("a driver killed by a signal is a hard error with exit code 128 plus the signal") {
  driver_invocation invocation = sim_session();
  invocation.program = "/bin/sh";
  invocation.args = {"-c", "kill -KILL $$"};
  const auto outcome = run(invocation).outcome;
  CHECK(outcome.kind == outcome_kind::hard_error);
  CHECK(outcome.exit_code == 128 + SIGKILL);
  CHECK_THAT(outcome.error, Catch::Contains("killed by signal 9"));
}

TEST_CASE("a program that does not exist is a spawn failure with posix_spawn's reason") {
  auto invocation = sim_session();
  invocation.program = "/nonexistent/driver";
  const auto outcome = run(invocation).outcome;
  CHECK(outcome.kind == outcome_kind::spawn_failed);
  CHECK(outcome.exit_code == -1);
  CHECK_THAT(outcome.error, Catch::Contains("cannot start driver '/nonexistent/driver'") &&
                                Catch::Contains("No such file or directory"));
}

TEST_CASE("a session log that cannot be opened stops the run before the driver starts") {
  scratch_dir dir;
  const auto ledger = dir.file("ledger");
  auto invocation = sim_invocation(verb_arguments(
      "post.js", "post", "", "", false, {"--idempotency-key", "k-1", "--sim-ledger", ledger}));
  invocation.log_path = "/proc/no-such-dir/s.log";
  const auto outcome = run(invocation).outcome;
  CHECK(outcome.kind == outcome_kind::spawn_failed);
  CHECK_THAT(outcome.error, Catch::Contains("cannot open session log"));
  CHECK_FALSE(std::filesystem::exists(ledger));
}

TEST_CASE("the session log holds the command, stdout, stderr and the ending, but no secret") {
  scratch_dir dir;
  auto invocation = sim_session({}, {{"API_TOKEN", "s3cret-value"}});
  invocation.log_path = dir.file("sessions/sess-1.log");
  const auto outcome = run(invocation).outcome;
  REQUIRE(outcome.kind == outcome_kind::success);
  CHECK(outcome.log_error.empty());
  const auto log = read_file(invocation.log_path);
  CHECK_THAT(log, Catch::Contains("[troupe] run: " + std::string(SIM_DRIVER_BINARY) +
                                  " follow.js --profile acct-1 --count 3 --session sess-1"));
  CHECK_THAT(log, Catch::Contains("[troupe] environment:") && Catch::Contains(" API_TOKEN "));
  CHECK_THAT(log, !Catch::Contains("s3cret-value"));
  CHECK_THAT(log, Catch::Contains("[stdout] {\"event\":\"progress\""));
  CHECK_THAT(log, Catch::Contains("[stdout] {\"result\":"));
  CHECK_THAT(log,
             Catch::Contains("[stderr] sim-driver: starting follow profile=acct-1 session=sess-1"));
  CHECK_THAT(log, Catch::Contains("[troupe] ended: success, exit 0"));
}

TEST_CASE("a session log that fails to write is reported beside a successful run") {
  auto invocation = sim_session();
  invocation.log_path = "/dev/full";
  const auto outcome = run(invocation).outcome;
  CHECK(outcome.kind == outcome_kind::success);
  CHECK_THAT(outcome.log_error, Catch::Contains("No space left on device"));
}

TEST_CASE("the working directory and the environment reach the driver") {
  scratch_dir dir;
  auto invocation = sim_session({"--sim-echo-env", "API_TOKEN,HOME"}, {{"API_TOKEN", "t-1"}});
  invocation.working_dir = dir.path().string();
  invocation.env.erase("HOME");
  const auto outcome = run(invocation).outcome;
  REQUIRE(outcome.result_json);
  const auto result = parse_object(*outcome.result_json);
  CHECK(boost::json::value_to<std::string>(result.at("cwd")) ==
        std::filesystem::canonical(dir.path()).string());
  CHECK(result.at("env").as_object().at("API_TOKEN") == "t-1");
  CHECK(result.at("env").as_object().at("HOME").is_null());
}

TEST_CASE("malformed output is survived and counted") {
  const auto outcome = run(sim_session({"--sim-p-malformed", "1"})).outcome;
  CHECK(outcome.kind == outcome_kind::success);
  CHECK(outcome.malformed_lines == 4);
  CHECK(outcome.progress_lines == 3);
  CHECK(outcome.result_json);
}

TEST_CASE("a cancel stops a running driver and its whole group promptly") {
  auto invocation = sim_session({"--sim-p-hang", "1", "--sim-p-grandchild", "1"});
  cancel_token cancel;
  std::vector<std::string> progress;
  std::thread canceller([&] {
    std::this_thread::sleep_for(300ms);
    cancel.cancel();
  });
  const auto outcome = run_driver(
      invocation, [&](const std::string& line) { progress.push_back(line); }, cancel);
  canceller.join();
  CHECK(outcome.kind == outcome_kind::cancelled);
  CHECK(outcome.exit_code == 128 + SIGTERM);
  CHECK(outcome.duration < 2s);
  REQUIRE(progress.size() == 1);
  CHECK(group_gone_within(reported_pid(progress[0], "pid"), 2s));
  CHECK(process_gone_within(reported_pid(progress[0], "grandchild"), 2s));
}

TEST_CASE("a run whose token is already cancelled starts no driver") {
  scratch_dir dir;
  const auto ledger = dir.file("ledger");
  const auto invocation = sim_invocation(verb_arguments(
      "post.js", "post", "", "", false, {"--idempotency-key", "k-1", "--sim-ledger", ledger}));
  cancel_token cancel;
  cancel.cancel();
  const auto outcome = run_driver(invocation, nullptr, cancel);
  CHECK(outcome.kind == outcome_kind::cancelled);
  CHECK(outcome.exit_code == -1);
  CHECK_FALSE(std::filesystem::exists(ledger));
}
