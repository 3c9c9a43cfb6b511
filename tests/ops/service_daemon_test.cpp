// A real `troupe run`, started as systemd starts a Type=notify service with
// WatchdogSec= (NOTIFY_SOCKET and WATCHDOG_USEC in its environment), talking
// to a socket this test listens on: READY=1 once it is up, WATCHDOG=1 every
// half WATCHDOG_USEC, RELOADING=1 then READY=1 on SIGHUP, STOPPING=1 on
// SIGTERM.
#include <signal.h>
#include <time.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>

#include "tests/api/daemon_fixture.hpp"
#include "tests/ops/service_notify_listener.hpp"

using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

// Environment variables set for the daemons this test starts (they inherit
// them), restored as they were when it ends.
class scoped_environment {
 public:
  explicit scoped_environment(const std::map<std::string, std::optional<std::string>>& variables) {
    for (const auto& [name, value] : variables) {
      const char* before = std::getenv(name.c_str());
      saved_[name] = before ? std::optional<std::string>(before) : std::nullopt;
      set(name, value);
    }
  }
  ~scoped_environment() {
    for (const auto& [name, value] : saved_) set(name, value);
  }
  scoped_environment(const scoped_environment&) = delete;
  scoped_environment& operator=(const scoped_environment&) = delete;

 private:
  static void set(const std::string& name, const std::optional<std::string>& value) {
    if (value) {
      ::setenv(name.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
  std::map<std::string, std::optional<std::string>> saved_;
};

// The WATCHDOG=1 pings from index `from` on, and the longest time between two.
struct ping_record {
  std::size_t count = 0;
  std::chrono::milliseconds longest_gap{0};
};

ping_record pings_since(const std::vector<notify_datagram>& received, std::size_t from) {
  ping_record record;
  std::optional<std::chrono::steady_clock::time_point> previous;
  for (std::size_t i = from; i < received.size(); ++i) {
    if (!received[i].has_line("WATCHDOG=1")) continue;
    ++record.count;
    if (previous) {
      record.longest_gap = std::max(
          record.longest_gap,
          std::chrono::duration_cast<std::chrono::milliseconds>(received[i].at - *previous));
    }
    previous = received[i].at;
  }
  return record;
}

}  // namespace

TEST_CASE(
    "troupe run tells systemd READY=1, pings its watchdog, and announces reloads and the drain") {
  temp_dir dir;
  notify_listener systemd(dir.file("notify.sock"));
  scoped_environment as_systemd_starts_it({{"NOTIFY_SOCKET", systemd.address()},
                                           {"WATCHDOG_USEC", "1000000"},
                                           {"WATCHDOG_PID", std::nullopt}});
  running_daemon daemon(dir, dir.write("troupe.yaml", daemon_config(dir, 1, "")));

  // Up: READY=1 came before the daemon said it runs, and first of all.
  auto received = systemd.received();
  REQUIRE_FALSE(received.empty());
  CHECK(received[0].has_line("READY=1"));
  const auto status = received[0].value_of("STATUS");
  REQUIRE(status);
  CHECK(*status == "2 pods, 0/1 permits in use, config version 1");
  CHECK(daemon.process().output().find("watchdog: pinging systemd every 500 ms") !=
        std::string::npos);

  // The watchdog: every 500 ms, never 1 s (WATCHDOG_USEC) apart.
  const auto watched_from = systemd.size();
  std::this_thread::sleep_for(3s);
  const auto pings = pings_since(systemd.received(), watched_from);
  CHECK(pings.count >= 4);  // 6 in 3 s; fewer on a loaded machine
  CHECK(pings.count <= 7);
  CHECK(pings.longest_gap < 1s);

  // SIGHUP: RELOADING=1 stamped with the reload's start, then READY=1.
  const auto before_reload = systemd.size();
  const auto sent_at = monotonic_usec();
  daemon.process().signal(SIGHUP);
  const auto reloading = systemd.wait_for_line("RELOADING=1", before_reload, 10s);
  REQUIRE(reloading);
  const auto ready_again = systemd.wait_for_line("READY=1", *reloading, 10s);
  REQUIRE(ready_again);
  const auto reload_started = systemd.received().at(*reloading).value_of("MONOTONIC_USEC");
  REQUIRE(reload_started);
  CHECK(std::stoll(*reload_started) >= sent_at);
  CHECK(std::stoll(*reload_started) <= monotonic_usec());
  CHECK(systemd.received()
            .at(*ready_again)
            .value_of("STATUS")
            .value_or("")
            .find("config version 1") != std::string::npos);

  // SIGTERM: STOPPING=1 with the reason, no ping after it, and a clean exit.
  const auto before_stop = systemd.size();
  daemon.process().signal(SIGTERM);
  const auto stopping = systemd.wait_for_line("STOPPING=1", before_stop, 10s);
  REQUIRE(stopping);
  CHECK(systemd.received().at(*stopping).value_of("STATUS") ==
        std::optional<std::string>("received Terminated; draining"));
  const auto exit_code = daemon.process().wait(60s);
  INFO(daemon.process().output());
  CHECK(exit_code == std::optional<int>(0));
  CHECK(systemd.count_line("WATCHDOG=1", *stopping) == 0);
}

TEST_CASE("troupe run started by systemd without a watchdog says READY=1 and sends no ping") {
  temp_dir dir;
  notify_listener systemd("@troupe-test-daemon-" + std::to_string(::getpid()));
  scoped_environment as_systemd_starts_it({{"NOTIFY_SOCKET", systemd.address()},
                                           {"WATCHDOG_USEC", std::nullopt},
                                           {"WATCHDOG_PID", std::nullopt}});
  running_daemon daemon(dir, dir.write("troupe.yaml", daemon_config(dir, 1, "")));
  CHECK(systemd.wait_for_line("READY=1", 0, 5s));
  std::this_thread::sleep_for(1s);
  CHECK(systemd.count_line("WATCHDOG=1") == 0);
}
