// `troupe status` and `troupe actors` as an operator runs them: the real
// binary against a stand-in daemon serving contract-shaped JSON
// (README.md, "HTTP API and console"), checking what is printed and the exit codes.
#include <catch2/catch.hpp>
#include <sstream>

#include "tests/cli_client/canned_daemon.hpp"
#include "tests/support/command.hpp"
#include "tests/support/text.hpp"

using troupe::testing::canned_daemon;
using troupe::testing::closed_port;
using troupe::testing::command_result;
using troupe::testing::run_command;
using troupe::testing::temp_dir;

namespace {

// Listed parents before children, but breadth first: the table must regroup
// each pod's accounts and sessions under it.
const char* const actors_json = R"({"count":8,"actors":[
 {"kind":"supervisor","id":"supervisor","parent":"",
  "state":{"paused":"false","draining":"false","config_version":"3","next_handoff_at":"2026-11-27T10:05:00Z"},
  "counters":{"capacity":4,"permits_in_use":2,"permits_waiting":1,"restarts":0,"recoveries":1},
  "mailbox_size":0,"messages_handled":1234,"restarts":0,"last_error":""},
 {"kind":"pod","id":"pod:eu","parent":"supervisor",
  "state":{"timezone":"Europe/Berlin","paused":"false","config_version":"3"},"counters":{"accounts":2},
  "mailbox_size":0,"messages_handled":50,"restarts":0,"last_error":""},
 {"kind":"pod","id":"pod:us","parent":"supervisor",
  "state":{"timezone":"America/New_York","paused":"false","config_version":"3"},"counters":{"accounts":1},
  "mailbox_size":0,"messages_handled":20,"restarts":0,"last_error":""},
 {"kind":"store","id":"store","parent":"supervisor","state":{},"counters":{},
  "mailbox_size":3,"messages_handled":900,"restarts":0,"last_error":""},
 {"kind":"account","id":"account:eu-1","parent":"pod:eu",
  "state":{"pod":"eu","energy":"0.8","next_eligible":"","error_streak":"0","needs_recovery":"false",
           "running_session":"s-1","mood":"MorningRush","status":"running"},
  "counters":{"sessions_today":2},"mailbox_size":0,"messages_handled":77,"restarts":0,"last_error":""},
 {"kind":"account","id":"account:eu-2","parent":"pod:eu",
  "state":{"pod":"eu","energy":"0.1","next_eligible_at_ms":"1764237600000","error_streak":"3",
           "needs_recovery":"true","running_session":"","mood":"MorningRush","status":"recovering"},
  "counters":{"sessions_today":1},"mailbox_size":0,"messages_handled":31,"restarts":2,
  "last_error":"driver exited with status 3: the login page did not load within 30 s, giving up"},
 {"kind":"account","id":"account:us-1","parent":"pod:us",
  "state":{"pod":"us","energy":"1.0","next_eligible":"2026-11-27T11:00:00Z","error_streak":"0",
           "needs_recovery":"false","running_session":"","mood":"Sleep","status":"waiting"},
  "counters":{"sessions_today":0},"mailbox_size":1,"messages_handled":12,"restarts":0,"last_error":""},
 {"kind":"session","id":"session:s-1","parent":"account:eu-1","state":{"activity":"browse"},"counters":{},
  "mailbox_size":0,"messages_handled":4,"restarts":0,"last_error":""}
]})";

const char* const pods_json = R"({"pods":[
 {"name":"eu","timezone":"Europe/Berlin","mood":"MorningRush","accounts":["eu-1","eu-2"],
  "actor":{"kind":"pod","id":"pod:eu","parent":"supervisor","state":{},"counters":{},
           "mailbox_size":0,"messages_handled":50,"restarts":0,"last_error":""}},
 {"name":"us","timezone":"America/New_York","mood":"Sleep","accounts":["us-1"],
  "actor":{"kind":"pod","id":"pod:us","parent":"supervisor","state":{},"counters":{},
           "mailbox_size":0,"messages_handled":20,"restarts":0,"last_error":""}}
]})";

const char* const ready_json = R"({"ready":true,"checks":{
 "config":{"ok":true,"detail":"config version 3"},"store":{"ok":true,"detail":"reachable"},
 "actors":{"ok":true,"detail":"8 actors up"}},
 "last_reload":{"at":"2026-11-27T09:00:00Z","trigger":"sighup","ok":true,"config_version":3,"errors":[]}})";

const char* const not_ready_json = R"({"ready":false,"checks":{
 "config":{"ok":true,"detail":"config version 2"},"store":{"ok":false,"detail":"table sessions is missing"},
 "actors":{"ok":true,"detail":"8 actors up"}},
 "last_reload":{"at":"2026-11-27T09:30:00Z","trigger":"inotify","ok":false,"config_version":2,
                "errors":["troupe.yaml:3:5: concurrency: must be at least 1"]}})";

// A daemon with two pods, three accounts and one running session, ready.
void serve_healthy(canned_daemon& daemon) {
  daemon.answer("/api/health", 200, R"({"status":"ok"})");
  daemon.answer("/api/ready", 200, ready_json);
  daemon.answer("/api/version", 200, R"({"version":"0.1.0","config_version":3})");
  daemon.answer("/api/actors", 200, actors_json);
  daemon.answer("/api/pods", 200, pods_json);
}

command_result run_troupe(std::vector<std::string> args, const temp_dir& dir) {
  args.insert(args.begin(), TROUPE_BINARY);
  return run_command(args, dir, std::chrono::seconds(30));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The line that starts with `start`, or "".
std::string line_starting(const std::string& text, const std::string& start) {
  for (const auto& line : lines_of(text)) {
    if (line.rfind(start, 0) == 0) return line;
  }
  return "";
}

}  // namespace

TEST_CASE("troupe status reports health, readiness, versions, the semaphore and the pods") {
  canned_daemon daemon;
  serve_healthy(daemon);
  temp_dir dir;

  auto status = run_troupe({"status", "--url", daemon.url()}, dir);

  INFO(status.output);
  CHECK(status.exit_code == 0);
  CHECK(contains(status.output, "troupe at " + daemon.url() + "\n"));
  CHECK(contains(status.output, "  health       ok\n"));
  CHECK(contains(status.output, "  ready        yes\n"));
  CHECK(contains(status.output, "  version      0.1.0 (config version 3)\n"));
  CHECK(contains(status.output, "  last reload  2026-11-27T09:00:00Z (sighup): ok, config version 3\n"));
  CHECK(contains(status.output,
                 "  permits      2/4 in use, 1 waiting, next handoff 2026-11-27T10:05:00Z\n"));
  CHECK(contains(status.output,
                 "POD  TIMEZONE          MOOD         ACCOUNTS  RUNNING  WAITING  RECOVERING  PARKED\n"
                 "eu   Europe/Berlin     MorningRush         2        1        0           1       0\n"
                 "us   America/New_York  Sleep               1        0        1           0       0\n"));
}

TEST_CASE("troupe status shows why a daemon is not ready and exits 1") {
  canned_daemon daemon;
  serve_healthy(daemon);
  daemon.answer("/api/ready", 503, not_ready_json);
  daemon.answer("/api/actors", 200,
                R"({"count":1,"actors":[{"kind":"supervisor","id":"supervisor","parent":"",
                    "state":{"paused":"true","draining":"false","next_handoff_at":""},
                    "counters":{"capacity":2,"permits_in_use":0,"permits_waiting":3}}]})");
  daemon.answer("/api/pods", 200, R"({"pods":[]})");
  temp_dir dir;

  auto status = run_troupe({"status", "--url", daemon.url()}, dir);

  INFO(status.output);
  CHECK(status.exit_code == 1);
  CHECK(contains(status.output, "  ready        NO\n"
                                "                 store: table sessions is missing\n"));
  CHECK_FALSE(contains(status.output, "config version 2\n                 config"));  // passing checks stay quiet
  CHECK(contains(status.output,
                 "  last reload  2026-11-27T09:30:00Z (inotify): FAILED, config version 2 kept\n"
                 "                 troupe.yaml:3:5: concurrency: must be at least 1\n"));
  CHECK(contains(status.output, "  permits      0/2 in use, 3 waiting, PAUSED\n"));
  CHECK(contains(status.output, "no pods\n"));
}

TEST_CASE("troupe status says in one line that it cannot reach the daemon, and exits 1") {
  const auto url = "http://127.0.0.1:" + std::to_string(closed_port());
  temp_dir dir;

  auto status = run_troupe({"status", "--url", url}, dir);

  CHECK(status.exit_code == 1);
  CHECK(status.output == "troupe status: cannot reach " + url + ": Connection refused\n");
}

TEST_CASE("troupe status names the endpoint that answered with an error") {
  canned_daemon daemon;
  serve_healthy(daemon);
  daemon.answer("/api/version", 500, R"({"error":{"status":500,"message":"handler failed"}})");
  temp_dir dir;

  auto status = run_troupe({"status", "--url", daemon.url()}, dir);

  CHECK(status.exit_code == 1);
  CHECK(status.output == "troupe status: " + daemon.url() + "/api/version answered 500: handler failed\n");
}

TEST_CASE("without --url, troupe status asks the address and port of the config") {
  canned_daemon daemon;
  serve_healthy(daemon);
  temp_dir dir;
  const auto config =
      dir.write("daemon.yaml", "http:\n  address: 127.0.0.1\n  port: " + std::to_string(daemon.port()) + "\n");

  auto status = run_troupe({"status", "--config", config}, dir);

  INFO(status.output);
  CHECK(status.exit_code == 0);
  CHECK(contains(status.output, "troupe at " + daemon.url() + "\n"));
}

TEST_CASE("a bad --url is refused with exit 2") {
  temp_dir dir;
  auto status = run_troupe({"status", "--url", "https://127.0.0.1:8443"}, dir);
  CHECK(status.exit_code == 2);
  CHECK(contains(status.output, "only http://"));
}

TEST_CASE("troupe actors prints the tree as an aligned table, children under their parent") {
  canned_daemon daemon;
  serve_healthy(daemon);
  temp_dir dir;

  auto actors = run_troupe({"actors", "--url", daemon.url()}, dir);

  INFO(actors.output);
  CHECK(actors.exit_code == 0);
  const auto lines = lines_of(actors.output);
  REQUIRE(lines.size() == 10);  // header, 8 actors, count
  const std::vector<std::string> ids = {"supervisor",       "  pod:eu", "    account:eu-1", "      session:s-1",
                                        "    account:eu-2", "  pod:us", "    account:us-1", "  store"};
  for (std::size_t index = 0; index < ids.size(); ++index) {
    CHECK(lines[index + 1].rfind(ids[index] + " ", 0) == 0);
  }
  CHECK(lines.back() == "8 actors");

  // Every column starts (or, right-aligned, ends) where its header does.
  const auto& header = lines[0];
  CHECK(header.rfind("ID ", 0) == 0);
  const auto kind_column = header.find("KIND");
  const auto handled_end = header.find("HANDLED") + std::string("HANDLED").size();
  const auto state_column = header.find("STATE");
  CHECK(lines[3].substr(kind_column, 8) == "account ");
  CHECK(lines[1].substr(handled_end - 4, 5) == "1234 ");
  CHECK(lines[5].substr(handled_end - 3, 4) == " 31 ");
  CHECK(lines[2].substr(state_column) == "timezone=Europe/Berlin, config_version=3");

  const auto running = line_starting(actors.output, "    account:eu-1 ");
  CHECK(contains(running, " running "));
  CHECK(contains(running, "energy=0.8, running_session=s-1, mood=MorningRush"));
  CHECK_FALSE(contains(running, "needs_recovery"));  // "false" says nothing
  CHECK_FALSE(contains(running, "error_streak"));    // nor does "0"

  const auto recovering = line_starting(actors.output, "    account:eu-2 ");
  CHECK(contains(recovering, " recovering "));
  CHECK(contains(recovering, "next_eligible_at=2025-11-27T10:00:00.000Z"));
  CHECK(contains(recovering, "driver exited with status 3: the login…"));
  CHECK_FALSE(contains(recovering, "giving up"));
}

TEST_CASE("troupe actors --pod shows that pod, its accounts and their sessions only") {
  canned_daemon daemon;
  serve_healthy(daemon);
  temp_dir dir;

  auto actors = run_troupe({"actors", "--url", daemon.url(), "--pod", "eu"}, dir);

  INFO(actors.output);
  CHECK(actors.exit_code == 0);
  const auto lines = lines_of(actors.output);
  REQUIRE(lines.size() == 6);
  CHECK(lines[1].rfind("pod:eu ", 0) == 0);
  CHECK(lines[2].rfind("  account:eu-1 ", 0) == 0);
  CHECK(lines[3].rfind("    session:s-1 ", 0) == 0);
  CHECK(lines[4].rfind("  account:eu-2 ", 0) == 0);
  CHECK(lines[5] == "4 actors in pod:eu");
}

TEST_CASE("troupe actors --pod with an unknown pod names the pods there are and exits 2") {
  canned_daemon daemon;
  serve_healthy(daemon);
  temp_dir dir;

  auto actors = run_troupe({"actors", "--url", daemon.url(), "--pod", "asia"}, dir);

  CHECK(actors.exit_code == 2);
  CHECK(actors.output == "troupe actors: no pod named asia (pods: eu, us)\n");
}

TEST_CASE("troupe actors says in one line that it cannot reach the daemon, and exits 1") {
  const auto url = "http://127.0.0.1:" + std::to_string(closed_port());
  temp_dir dir;

  auto actors = run_troupe({"actors", "--url", url}, dir);

  CHECK(actors.exit_code == 1);
  CHECK(actors.output == "troupe actors: cannot reach " + url + ": Connection refused\n");
}
