// `troupe status` and `troupe actors` against a real `troupe run`, not a
// stand-in: the fields they read must be the ones the daemon serves.
#include <catch2/catch.hpp>

#include "tests/api/daemon_fixture.hpp"

using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string line_with(const std::string& text, const std::string& start) {
  const auto at = text.find("\n" + start);
  if (at == std::string::npos) return {};
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

}  // namespace

TEST_CASE("troupe status and troupe actors read what a real daemon serves") {
  temp_dir dir;
  const auto config = dir.write("troupe.yaml", daemon_config(dir, 1, "cli-token"));
  running_daemon daemon(dir, config);
  const auto url = "http://127.0.0.1:" + std::to_string(daemon.port());
  REQUIRE(eventually([&] { return request(daemon.port(), "GET", "/api/sessions").json().at("sessions").as_array().size() > 0; },
                     30s));

  const auto status = run_command({TROUPE_BINARY, "status", "--url", url}, dir, 30s);
  INFO(status.output);
  CHECK(status.exit_code == 0);
  CHECK(has(status.output, "  health       ok\n"));
  CHECK(has(status.output, "  ready        yes\n"));
  CHECK(has(status.output, "(config version 1)"));
  CHECK(has(status.output, "/1 in use"));  // the semaphore of concurrency 1
  // Both pods with their three accounts each.
  CHECK(has(line_with(status.output, "alpha "), " 3 "));
  CHECK(has(line_with(status.output, "beta "), " 3 "));

  // Once an account has ended a session, its next eligibility (the daemon's
  // next_eligible_at_ms) shows as a time.
  command_result actors;
  CHECK(eventually(
      [&] {
        actors = run_command({TROUPE_BINARY, "actors", "--url", url}, dir, 30s);
        return has(actors.output, "next_eligible_at=20");
      },
      30s));
  INFO(actors.output);
  CHECK(actors.exit_code == 0);
  CHECK(has(actors.output, "\nsupervisor "));
  CHECK(has(actors.output, "\n  pod:alpha "));
  CHECK(has(actors.output, "\n    account:a1 "));
  CHECK(has(actors.output, "\n  job:plan "));
  CHECK(has(actors.output, "next_run_at=20"));  // the job's next run, a time too
  const auto actors_count = request(daemon.port(), "GET", "/api/actors").json().at("count").as_int64();
  CHECK(has(actors.output, "\n" + std::to_string(actors_count) + " actors"));

  const auto one_pod = run_command({TROUPE_BINARY, "actors", "--url", url, "--pod", "beta"}, dir, 30s);
  INFO(one_pod.output);
  CHECK(one_pod.exit_code == 0);
  CHECK(has(one_pod.output, "account:b2"));
  CHECK_FALSE(has(one_pod.output, "account:a2"));
}
