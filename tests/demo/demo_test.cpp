// tools/demo as a newcomer meets it: the demo's own configuration files, on
// an empty database, show life within seconds instead of after the
// reference pacing's two-minute ticks.
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/api/daemon_fixture.hpp"

using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

std::string source_file(const std::string& relative) {
  return std::string(TROUPE_SOURCE_DIR) + "/" + relative;
}

// The time-zone file tools/demo writes (where it is about noon now), from
// the same script.
std::string demo_timezone_config(const temp_dir& dir) {
  const auto printed = run_command({source_file("tools/demo-timezone")}, dir, 10s);
  if (printed.exit_code != 0)
    throw std::runtime_error("tools/demo-timezone failed:\n" + printed.output);
  return dir.write("timezone.yaml", printed.output);
}

// How many entries GET `target` lists under `key` (0 while it does not answer).
std::size_t listed(int port, const std::string& target, const char* key) {
  const auto reply = request(port, "GET", target);
  return reply.status == 200 ? reply.json().at(key).as_array().size() : 0;
}

}  // namespace

TEST_CASE(
    "the demo's configuration starts a session within 10 s of its API answering, "
    "and shows events and two sessions within a minute") {
  temp_dir dir;
  // tools/demo.yaml keeps everything under build/demo/ of the working
  // directory, which tools/demo creates; the daemon runs in `dir`.
  std::filesystem::create_directories(dir.path() / "build" / "demo");
  running_daemon daemon(dir, {source_file("config/examples/troupe.yaml"),
                              source_file("tools/demo.yaml"), demo_timezone_config(dir)});
  const int port = daemon.port();
  REQUIRE(eventually([&] { return request(port, "GET", "/api/health").status == 200; }, 10s));
  const auto api_answered = std::chrono::steady_clock::now();

  CHECK(eventually([&] { return listed(port, "/api/sessions", "sessions") >= 1; }, 10s));
  const auto first_session_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - api_answered);
  WARN("the first session started within " << first_session_ms.count()
                                           << " ms of /api/health answering");

  const auto minute_left = std::chrono::duration_cast<std::chrono::milliseconds>(
      api_answered + 60s - std::chrono::steady_clock::now());
  CHECK(eventually(
      [&] {
        return listed(port, "/api/events", "events") > 0 &&
               listed(port, "/api/sessions", "sessions") >= 2;
      },
      minute_left));
}
