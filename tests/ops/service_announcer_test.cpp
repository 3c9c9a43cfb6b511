// troupe run's conversation with systemd: READY=1 only once the tree
// answers, RELOADING=1 (with MONOTONIC_USEC=) and READY=1 around a reload,
// STOPPING=1 with its reason and nothing about reloads after it, and the
// watchdog only when systemd asks this process for one.
#include "runtime/ops/service_announcer.hpp"

#include <time.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <map>

#include "tests/ops/service_notify_listener.hpp"
#include "tests/support/command.hpp"

using namespace troupe;
using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

// An environment of `variables` only.
ops::service_announcer::environment_lookup environment(
    std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const char* name) -> const char* {
    const auto found = variables.find(name);
    return found == variables.end() ? nullptr : found->second.c_str();
  };
}

const auto always_alive = [](std::chrono::milliseconds) { return true; };
const auto two_pods_status = [](std::chrono::milliseconds) { return std::string("2 pods"); };

}  // namespace

TEST_CASE("READY=1 goes with the status line once the tree answers, and only then") {
  temp_dir dir;
  notify_listener systemd(dir.file("notify.sock"));
  ops::service_announcer service(environment({{"NOTIFY_SOCKET", systemd.address()}}));
  REQUIRE(service.enabled());
  std::atomic<int> probes{0};
  const bool ready = service.announce_ready(
      [&](std::chrono::milliseconds) { return ++probes >= 3; }, two_pods_status, 10s);
  CHECK(ready);
  CHECK(probes.load() == 3);
  REQUIRE(systemd.wait_for_line("READY=1", 0, 5s));
  CHECK(systemd.received().at(0).text == "READY=1\nSTATUS=2 pods");
  CHECK(systemd.size() == 1);
}

TEST_CASE("a tree that never answers is never announced ready") {
  temp_dir dir;
  notify_listener systemd(dir.file("notify.sock"));
  ops::service_announcer service(environment({{"NOTIFY_SOCKET", systemd.address()}}));
  CHECK_FALSE(service.announce_ready([](std::chrono::milliseconds) { return false; },
                                     two_pods_status, 300ms));
  CHECK_FALSE(service.start_watchdog());
  std::this_thread::sleep_for(100ms);
  CHECK(systemd.size() == 0);
}

TEST_CASE(
    "a reload is announced with RELOADING=1 and its CLOCK_MONOTONIC start, then READY=1 when it "
    "has ended") {
  temp_dir dir;
  notify_listener systemd(dir.file("notify.sock"));
  ops::service_announcer service(environment({{"NOTIFY_SOCKET", systemd.address()}}));
  service.reload_started();  // before READY=1: nothing to say yet
  service.reload_finished();
  REQUIRE(service.announce_ready(always_alive, two_pods_status, 1s));
  const auto before = monotonic_usec();
  service.reload_started();
  const auto after = monotonic_usec();
  service.reload_finished();
  REQUIRE(systemd.wait_for_line("READY=1", 2, 5s));
  const auto received = systemd.received();
  REQUIRE(received.size() == 3);
  CHECK(received[0].has_line("READY=1"));
  CHECK(received[1].has_line("RELOADING=1"));
  const auto started = received[1].value_of("MONOTONIC_USEC");
  REQUIRE(started);
  CHECK(std::stoll(*started) >= before);
  CHECK(std::stoll(*started) <= after);
  CHECK(received[2].text == "READY=1\nSTATUS=2 pods");
}

TEST_CASE("STOPPING=1 carries its reason, and no reload is announced after it") {
  temp_dir dir;
  notify_listener systemd(dir.file("notify.sock"));
  ops::service_announcer service(environment({{"NOTIFY_SOCKET", systemd.address()}}));
  REQUIRE(service.announce_ready(always_alive, two_pods_status, 1s));
  service.stopping("received Terminated; draining");
  service.reload_started();
  service.reload_finished();
  REQUIRE(systemd.wait_for_line("STOPPING=1", 0, 5s));
  std::this_thread::sleep_for(100ms);
  const auto received = systemd.received();
  REQUIRE(received.size() == 2);
  CHECK(received[1].text == "STOPPING=1\nSTATUS=received Terminated; draining");
}

TEST_CASE("the watchdog starts only when systemd asks this process for one") {
  temp_dir dir;
  notify_listener systemd(dir.file("notify.sock"));
  const auto with = [&](std::map<std::string, std::string> variables) {
    variables["NOTIFY_SOCKET"] = systemd.address();
    auto service = std::make_unique<ops::service_announcer>(environment(variables));
    REQUIRE(service->announce_ready(always_alive, two_pods_status, 1s));
    return service;
  };
  CHECK_FALSE(with({})->start_watchdog());
  CHECK_FALSE(with({{"WATCHDOG_USEC", "2000000"}, {"WATCHDOG_PID", std::to_string(::getpid() + 1)}})
                  ->start_watchdog());
  CHECK(with({{"WATCHDOG_USEC", "2000000"}, {"WATCHDOG_PID", std::to_string(::getpid())}})
            ->start_watchdog());
  CHECK(with({{"WATCHDOG_USEC", "2000000"}})->start_watchdog());
}

TEST_CASE("without NOTIFY_SOCKET nothing is announced and nothing waits for the tree") {
  ops::service_announcer service(environment({{"WATCHDOG_USEC", "2000000"}}));
  CHECK_FALSE(service.enabled());
  std::atomic<int> probes{0};
  CHECK_FALSE(service.announce_ready([&](std::chrono::milliseconds) { return ++probes > 0; },
                                     two_pods_status, 1s));
  CHECK(probes.load() == 0);
  CHECK_FALSE(service.start_watchdog());
  service.stopping("bye");  // does nothing, and does not fail
}
