// The sd_notify protocol by hand: one datagram per message to the socket
// named like $NOTIFY_SOCKET, a path or an abstract name starting with '@',
// and nothing at all without one.
#include "runtime/ops/service_notifier.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/ops/service_notify_listener.hpp"
#include "tests/support/command.hpp"

using namespace troupe;
using namespace troupe::testing;
using namespace std::chrono_literals;

TEST_CASE(
    "without NOTIFY_SOCKET the notifier is disabled and every message succeeds doing nothing") {
  for (const char* unset : {static_cast<const char*>(nullptr), ""}) {
    auto notifier = ops::service_notifier::for_address(unset);
    REQUIRE(notifier.ok());
    CHECK_FALSE(notifier->enabled());
    CHECK(notifier->notify("READY=1").ok());
  }
}

TEST_CASE("a message reaches the socket at a NOTIFY_SOCKET path as one datagram") {
  temp_dir dir;
  notify_listener systemd(dir.file("notify.sock"));
  auto notifier = ops::service_notifier::for_address(systemd.address().c_str());
  REQUIRE(notifier.ok());
  CHECK(notifier->enabled());
  REQUIRE(notifier->notify("READY=1\nSTATUS=2 pods").ok());
  REQUIRE(notifier->notify("WATCHDOG=1").ok());
  REQUIRE(systemd.wait_for_line("WATCHDOG=1", 0, 5s));
  const auto received = systemd.received();
  REQUIRE(received.size() == 2);
  CHECK(received[0].text == "READY=1\nSTATUS=2 pods");
  CHECK(received[1].text == "WATCHDOG=1");
}

TEST_CASE("a message reaches an abstract socket when NOTIFY_SOCKET starts with @") {
  notify_listener systemd("@troupe-test-notify-" + std::to_string(::getpid()));
  auto notifier = ops::service_notifier::for_address(systemd.address().c_str());
  REQUIRE(notifier.ok());
  REQUIRE(notifier->notify("STOPPING=1").ok());
  REQUIRE(systemd.wait_for_line("STOPPING=1", 0, 5s));
  CHECK(systemd.received().at(0).text == "STOPPING=1");
}

TEST_CASE("a NOTIFY_SOCKET that names no unix socket address is an error") {
  const auto too_long = "/tmp/" + std::string(200, 'x');
  auto long_path = ops::service_notifier::for_address(too_long.c_str());
  REQUIRE_FALSE(long_path.ok());
  CHECK(long_path.failure().message.find("longer than") != std::string::npos);
  auto vsock = ops::service_notifier::for_address("vsock:2:1234");
  REQUIRE_FALSE(vsock.ok());
  CHECK(vsock.failure().message.find("vsock:2:1234") != std::string::npos);
}

TEST_CASE("a message nobody receives is an error naming the cause") {
  temp_dir dir;
  auto notifier = ops::service_notifier::for_address(dir.file("nobody.sock").c_str());
  REQUIRE(notifier.ok());
  const auto sent = notifier->notify("READY=1");
  REQUIRE_FALSE(sent.ok());
  CHECK(sent.failure().message.find("No such file") != std::string::npos);
}
