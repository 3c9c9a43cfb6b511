// What troupe tells systemd, decided without I/O: the watchdog's timing from
// WATCHDOG_USEC and WATCHDOG_PID, the cadence of the pings, the STATUS= line
// and the sd_notify messages.
#include "runtime/ops/service_status.hpp"

#include <catch2/catch.hpp>

using namespace troupe::ops;
using namespace std::chrono_literals;

TEST_CASE("the watchdog pings every half WATCHDOG_USEC and gives the probe half an interval") {
  const auto timing = watchdog_timing_from("60000000", nullptr, 4242);
  REQUIRE(timing);
  CHECK(timing->timeout == 60s);
  CHECK(timing->ping_interval == 30s);
  CHECK(timing->probe_bound == 15s);
}

TEST_CASE("no watchdog runs when WATCHDOG_USEC is unset, zero or not a whole number") {
  CHECK_FALSE(watchdog_timing_from(nullptr, nullptr, 4242));
  CHECK_FALSE(watchdog_timing_from("", nullptr, 4242));
  CHECK_FALSE(watchdog_timing_from("0", nullptr, 4242));
  CHECK_FALSE(watchdog_timing_from("-5", nullptr, 4242));
  CHECK_FALSE(watchdog_timing_from("30s", nullptr, 4242));
  CHECK_FALSE(watchdog_timing_from(" 1000", nullptr, 4242));
  CHECK_FALSE(watchdog_timing_from("99999999999999999999999", nullptr, 4242));
}

TEST_CASE("the watchdog is this process's only when WATCHDOG_PID is unset or names it") {
  CHECK(watchdog_timing_from("2000000", "4242", 4242));
  CHECK_FALSE(
      watchdog_timing_from("2000000", "4243", 4242));  // a child that inherited the variables
  CHECK_FALSE(watchdog_timing_from("2000000", "", 4242));
  CHECK_FALSE(watchdog_timing_from("2000000", "pid", 4242));
}

TEST_CASE(
    "pings keep a steady cadence however long a probe took, and a stalled process does not catch "
    "up") {
  const std::chrono::steady_clock::time_point start{};
  CHECK(next_ping_due(start, 500ms, start + 120ms) == start + 500ms);
  CHECK(next_ping_due(start, 500ms, start + 499ms) == start + 500ms);
  CHECK(next_ping_due(start, 500ms, start + 2s) == start + 2s);  // not four pings at once
}

TEST_CASE("the STATUS= line names the pods, the permits in use and the config version") {
  CHECK(status_line({2, 1, 3, 4, false}, false) == "2 pods, 1/3 permits in use, config version 4");
  CHECK(status_line({2, 0, 3, 4, true}, false) ==
        "2 pods, 0/3 permits in use, config version 4, draining");
  CHECK(status_line({1, 0, 1, 1, false}, true) ==
        "1 pods, 0/1 permits in use, config version 1, last reload failed");
  CHECK(not_answering_line(250ms) == "not answering: the supervisor or the store took over 250 ms");
}

TEST_CASE("each sd_notify message is newline-separated assignments with a one-line STATUS=") {
  CHECK(ready_message("2 pods") == "READY=1\nSTATUS=2 pods");
  CHECK(ready_message("two\nlines") == "READY=1\nSTATUS=two lines");
  CHECK(reloading_message(123456789us) == "RELOADING=1\nMONOTONIC_USEC=123456789");
  CHECK(stopping_message("received Terminated; draining") ==
        "STOPPING=1\nSTATUS=received Terminated; draining");
  CHECK(status_message("not answering") == "STATUS=not answering");
}
