#include <signal.h>

#include <catch2/catch.hpp>

#include "driver_fixture.hpp"

using namespace troupe::driver;
using namespace troupe::driver::testing;

TEST_CASE("a timeout stops the whole group, grandchild included, and is recorded as 124") {
  auto invocation = sim_session({"--sim-p-hang", "1", "--sim-p-grandchild", "1"});
  invocation.timeout = 300ms;
  const auto finished = run(invocation);
  CHECK(finished.outcome.kind == outcome_kind::timeout);
  CHECK(finished.outcome.exit_code == 124);
  CHECK_THAT(finished.outcome.error, Catch::Contains("timed out after 300 ms"));
  CHECK_FALSE(finished.outcome.killed);  // SIGTERM was enough
  CHECK(finished.outcome.duration >= 300ms);
  CHECK(finished.outcome.duration < 2s);
  REQUIRE(finished.progress.size() == 1);
  const auto leader = reported_pid(finished.progress[0], "pid");
  const auto grandchild = reported_pid(finished.progress[0], "grandchild");
  CHECK(group_gone_within(leader, 2s));
  CHECK(process_gone_within(grandchild, 2s));
}

TEST_CASE("a driver that ignores SIGTERM is killed with SIGKILL after the grace") {
  scratch_dir dir;
  auto invocation =
      sim_session({"--sim-p-hang", "1", "--sim-p-grandchild", "1", "--sim-ignore-term"});
  invocation.timeout = 200ms;
  invocation.kill_grace = 300ms;
  invocation.log_path = dir.file("s.log");
  const auto finished = run(invocation);
  CHECK(finished.outcome.kind == outcome_kind::timeout);
  CHECK(finished.outcome.exit_code == 124);
  CHECK(finished.outcome.killed);
  CHECK(finished.outcome.duration >= 500ms);
  CHECK(finished.outcome.duration < 3s);
  REQUIRE(finished.progress.size() == 1);
  CHECK(group_gone_within(reported_pid(finished.progress[0], "pid"), 2s));
  CHECK(process_gone_within(reported_pid(finished.progress[0], "grandchild"), 2s));
  const auto log = read_file(invocation.log_path);
  CHECK_THAT(log, Catch::Contains("[troupe] timed out after 200 ms: SIGTERM to the process group"));
  CHECK_THAT(log, Catch::Contains(
                      "[troupe] still running 300 ms after SIGTERM: SIGKILL to the process group"));
}

TEST_CASE("a grandchild holding the output open does not keep a finished run waiting") {
  scratch_dir dir;
  auto invocation = sim_session({"--sim-p-grandchild", "1", "--sim-grandchild-seconds", "30"});
  invocation.log_path = dir.file("s.log");
  const auto finished = run(invocation);
  CHECK(finished.outcome.kind == outcome_kind::success);
  CHECK(finished.outcome.result_json);
  CHECK(finished.outcome.duration < 2s);
  REQUIRE_FALSE(finished.progress.empty());
  CHECK(group_gone_within(reported_pid(finished.progress[0], "pid"), 2s));
  CHECK(process_gone_within(reported_pid(finished.progress[0], "grandchild"), 2s));
  CHECK_THAT(read_file(invocation.log_path), Catch::Contains("kept the output open"));
}

TEST_CASE("a flood of output is bounded in memory and on disk and does not stall the run") {
  scratch_dir dir;
  constexpr std::size_t flood_bytes = 50 << 20;
  constexpr std::size_t max_output = 64 << 10;
  auto invocation =
      sim_session({"--sim-p-flood", "1", "--sim-flood-bytes", std::to_string(flood_bytes)});
  invocation.max_output_bytes = max_output;
  invocation.log_path = dir.file("s.log");
  const auto finished = run(invocation);
  const auto& outcome = finished.outcome;
  CHECK(outcome.kind == outcome_kind::success);
  CHECK(outcome.stdout_bytes >= flood_bytes);
  CHECK(outcome.captured_bytes <= max_output);
  CHECK(outcome.output_truncated);
  CHECK(outcome.duration < 10s);
  const auto log_size = std::filesystem::file_size(invocation.log_path);
  CHECK(log_size <= 10 * max_output + 4096);  // the cap plus the runtime's notes
  CHECK_THAT(read_file(invocation.log_path), Catch::Contains("output cap of 655360 bytes reached"));
}
