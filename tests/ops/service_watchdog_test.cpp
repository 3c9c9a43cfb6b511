// systemd's watchdog thread: WATCHDOG=1 every half WATCHDOG_USEC while the
// liveness probe answers, none while it does not, a prompt stop; and the
// real actor tree's probe: a supervisor wedged (every scheduler thread
// blocked) stops the pings until it answers again.
#include "runtime/ops/service_watchdog.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <memory>

#include "runtime/daemon.hpp"
#include "runtime/serial_worker.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/migrations.hpp"
#include "tests/ops/service_notify_listener.hpp"
#include "tests/ops/wedged_tree.hpp"
#include "tests/support/command.hpp"

using namespace troupe;
using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

ops::watchdog_timing timing_for(const char* watchdog_usec) {
  auto timing = ops::watchdog_timing_from(watchdog_usec, nullptr, ::getpid());
  REQUIRE(timing);
  return *timing;
}

ops::service_notifier notifier_for(const notify_listener& listener) {
  auto notifier = ops::service_notifier::for_address(listener.address().c_str());
  REQUIRE(notifier.ok());
  return std::move(notifier).value();
}

// The longest time between two WATCHDOG=1 pings from index `from` on.
std::chrono::milliseconds longest_gap_between_pings(const std::vector<notify_datagram>& received,
                                                    std::size_t from) {
  std::chrono::milliseconds longest{0};
  std::optional<std::chrono::steady_clock::time_point> previous;
  for (std::size_t i = from; i < received.size(); ++i) {
    if (!received[i].has_line("WATCHDOG=1")) continue;
    if (previous) {
      longest = std::max(longest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                      received[i].at - *previous));
    }
    previous = received[i].at;
  }
  return longest;
}

}  // namespace

TEST_CASE(
    "the watchdog pings every half WATCHDOG_USEC while the tree answers, each ping followed by a "
    "STATUS=") {
  temp_dir dir;
  notify_listener systemd(dir.file("notify.sock"));
  const auto notifier = notifier_for(systemd);
  std::atomic<int> probes{0};
  {
    ops::service_watchdog watchdog(
        notifier, timing_for("400000"),
        [&](std::chrono::milliseconds bound) {
          ++probes;
          return bound == 100ms;  // a quarter of WATCHDOG_USEC
        },
        [](std::chrono::milliseconds) { return std::string("2 pods"); });
    std::this_thread::sleep_for(1050ms);
  }
  const auto pings = systemd.count_line("WATCHDOG=1");
  CHECK(pings >= 4);  // at 0, 200, ..., 1000 ms: 6, fewer on a loaded machine
  CHECK(pings <= 7);
  CHECK(static_cast<int>(pings) <= probes.load());
  CHECK(longest_gap_between_pings(systemd.received(), 0) <
        400ms);  // systemd's limit is never reached
  const auto received = systemd.received();
  REQUIRE(received.size() >= 2);
  CHECK(received[0].text == "WATCHDOG=1");
  CHECK(received[1].text == "STATUS=2 pods");
}

TEST_CASE(
    "no WATCHDOG=1 is sent while the liveness probe fails, only a STATUS= saying so, and pings "
    "resume after") {
  temp_dir dir;
  notify_listener systemd(dir.file("notify.sock"));
  const auto notifier = notifier_for(systemd);
  std::atomic<bool> answering{false};
  ops::service_watchdog watchdog(
      notifier, timing_for("200000"), [&](std::chrono::milliseconds) { return answering.load(); },
      [](std::chrono::milliseconds) { return std::string("fine"); });
  std::this_thread::sleep_for(500ms);
  CHECK(systemd.count_line("WATCHDOG=1") == 0);
  CHECK(systemd.count_line("STATUS=not answering: the supervisor or the store took over 50 ms") >=
        3);
  const auto before = systemd.size();
  answering = true;
  CHECK(systemd.wait_for_line("WATCHDOG=1", before, 2s));
  CHECK(systemd.wait_for_line("STATUS=fine", before, 2s));
}

TEST_CASE("stopping the watchdog returns at once, not at its next ping") {
  temp_dir dir;
  notify_listener systemd(dir.file("notify.sock"));
  const auto notifier = notifier_for(systemd);
  ops::service_watchdog watchdog(
      notifier, timing_for("600000000"), [](std::chrono::milliseconds) { return true; },
      [](std::chrono::milliseconds) { return std::string("fine"); });
  REQUIRE(systemd.wait_for_line("WATCHDOG=1", 0, 5s));  // the first ping goes at once
  const auto asked = std::chrono::steady_clock::now();
  watchdog.stop();
  CHECK(std::chrono::steady_clock::now() - asked < 1s);  // the next ping was due in 5 minutes
  CHECK(systemd.count_line("WATCHDOG=1") == 1);
}


TEST_CASE(
    "the supervisor and the store of a running tree answer the liveness probe within its bound") {
  temp_dir dir;
  auto tree = idle_tree(dir);
  CHECK(tree->answers_liveness_probe(1s));
  const auto summary = tree->summary(1s);
  REQUIRE(summary);
  CHECK(summary->pods == 0);
  CHECK(summary->config_version == 1);
  CHECK_FALSE(summary->draining);
  tree->stop();
}

TEST_CASE(
    "a tree asked from a thread that outlives it still stops (the config reloader's thread asks "
    "for STATUS=)") {
  temp_dir dir;
  serial_worker reloader_thread(1);  // lives on after the tree, as the config reloader's does
  auto tree = idle_tree(dir);
  std::promise<bool> asked;
  REQUIRE(reloader_thread.post(
      [&] { asked.set_value(tree->answers_liveness_probe(1s) && tree->summary(1s).has_value()); }));
  CHECK(asked.get_future().get());
  tree->stop();  // hung in ~actor_system when the thread kept CAF's logger referenced
}

TEST_CASE("a wedged supervisor stops the watchdog's pings and they resume once it answers again") {
  temp_dir dir;
  notify_listener systemd(dir.file("notify.sock"));
  const auto notifier = notifier_for(systemd);
  auto tree = idle_tree(dir);
  {
    ops::service_watchdog watchdog(
        notifier, timing_for("400000"),
        [&](std::chrono::milliseconds bound) { return tree->answers_liveness_probe(bound); },
        [&](std::chrono::milliseconds bound) {
          const auto summary = tree->summary(bound);
          return summary ? ops::status_line(*summary, false) : ops::not_answering_line(bound);
        });
    REQUIRE(systemd.wait_for_line("WATCHDOG=1", 0, 5s));
    REQUIRE(systemd.wait_for_line("STATUS=0 pods, 0/1 permits in use, config version 1", 0, 5s));

    blocked_scheduler wedge(tree->system());
    const auto noticed = systemd.wait_for_line(
        "STATUS=not answering: the supervisor or the store took over 100 ms", 0, 5s);
    REQUIRE(noticed);
    std::this_thread::sleep_for(1s);  // five pings would have been due
    CHECK(systemd.count_line("WATCHDOG=1", *noticed) == 0);
    CHECK(systemd.count_line("STATUS=not answering: the supervisor or the store took over 100 ms",
                             *noticed) >= 4);

    const auto wedged_until = systemd.size();
    wedge.release();
    CHECK(systemd.wait_for_line("WATCHDOG=1", wedged_until, 5s));
  }
  tree->stop();
}
