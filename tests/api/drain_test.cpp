// Draining on SIGTERM with sessions running: a session that ends within the
// grace period (30 s) runs to its end, one that does not is stopped after
// it, and either way its row is written before the daemon exits 0.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "runtime/store/database.hpp"
#include "runtime/store/sessions.hpp"
#include "tests/api/daemon_fixture.hpp"

using namespace troupe;
using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

std::int64_t in_use(int port) {
  auto reply = request(port, "GET", "/api/metrics");
  return reply.status == 200 ? reply.json().at("permits").at("in_use").as_int64() : -1;
}

// The id of the one session running now (empty until its row is there).
std::string running_session(int port) {
  const auto listed = request(port, "GET", "/api/sessions?limit=100").json();
  for (const auto& session : listed.at("sessions").as_array()) {
    if (session.at("outcome").is_null()) return std::string(session.at("id").as_string());
  }
  return {};
}

// The session as the daemon left it in its database.
store::session_record stored_session(const temp_dir& dir, const std::string& id) {
  auto db = store::database::open("sqlite:" + dir.file("troupe.db"));
  REQUIRE(db.ok());
  auto session = store::load_session(*db, id);
  REQUIRE(session.ok());
  REQUIRE(session->has_value());
  return **session;
}

// Starts a daemon with `driver_env` for its driver, waits for a session to
// run, sends SIGTERM; returns that session's id and how long the exit took.
struct drained {
  std::string session;
  std::chrono::milliseconds took{0};
  int exit_code = -1;
  std::string output;
};

drained drain_with_a_session_running(const temp_dir& dir, const std::string& driver_env) {
  auto yaml = daemon_config(dir, 1, "");
  const std::string env = "env: {SIM_DRIVER_TIME_SCALE: \"0.02\"}";
  yaml.replace(yaml.find(env), env.size(), "env: {" + driver_env + "}");
  running_daemon daemon(dir, dir.write("troupe.yaml", yaml));
  const int port = daemon.port();
  drained result;
  REQUIRE(eventually([&] { return in_use(port) == 1 && !(result.session = running_session(port)).empty(); }, 30s));
  const auto sent = std::chrono::steady_clock::now();
  daemon.process().signal(SIGTERM);
  result.exit_code = daemon.process().wait(60s).value_or(-1);
  result.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent);
  result.output = daemon.process().output();
  return result;
}

}  // namespace

TEST_CASE("SIGTERM lets a running session finish within the grace period, then exits 0") {
  temp_dir dir;
  // Sessions of a few seconds: well within the 30 s grace.
  const auto run = drain_with_a_session_running(dir, "SIM_DRIVER_TIME_SCALE: \"0.02\"");
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK(run.took < 30s);
  CHECK(run.output.find("stopped cleanly (0 sessions cut short)") != std::string::npos);
  const auto session = stored_session(dir, run.session);
  CHECK(session.ended_at_ms.has_value());
  CHECK(session.outcome == std::optional<std::string>("success"));
}

TEST_CASE("SIGTERM stops a session that outlives the grace period after it, and still exits 0") {
  temp_dir dir;
  // A driver that never ends on its own.
  const auto run = drain_with_a_session_running(dir, "SIM_DRIVER_TIME_SCALE: \"0.02\", SIM_DRIVER_P_HANG: \"1\"");
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK(run.took >= 29s);  // the grace period was given
  CHECK(run.took < 40s);   // and not much more: the stopped driver's end is recorded at once
  CHECK(run.output.find("1 sessions still running after the grace period") != std::string::npos);
  CHECK(run.output.find("stopped cleanly (1 sessions cut short)") != std::string::npos);
  const auto session = stored_session(dir, run.session);
  CHECK(session.ended_at_ms.has_value());  // flushed before the exit
  REQUIRE(session.outcome.has_value());
  CHECK(*session.outcome == "cancelled");
  CHECK(run.output.find("recovery") == std::string::npos);  // a stop by the daemon is not the account's failure
}
