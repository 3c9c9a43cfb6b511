#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cerrno>

#include "driver_fixture.hpp"

using namespace troupe::driver;
using namespace troupe::driver::testing;

TEST_CASE("a thousand sessions in a row leave no zombie and no extra descriptor") {
  // In the sanitizer build, LeakSanitizer's exit check would make each
  // sim-driver 40 ms slower; the other tests keep it on.
  auto invocation = sim_session({"--sim-progress", "1"}, {{"ASAN_OPTIONS", "detect_leaks=0"}});
  // The first run starts the shared driver reactor, whose epoll instance
  // and eventfd stay for the life of the process.
  REQUIRE(run(invocation).outcome.kind == outcome_kind::success);
  const auto descriptors_before = open_descriptor_count();
  std::size_t successes = 0;
  for (int session = 0; session < 1000; ++session) {
    if (run(invocation).outcome.kind == outcome_kind::success) ++successes;
  }
  CHECK(successes == 1000);
  CHECK(zombie_children().empty());
  const pid_t waited = ::waitpid(-1, nullptr, WNOHANG);
  const int reason = errno;
  CHECK(waited == -1);
  CHECK(reason == ECHILD);
  CHECK(open_descriptor_count() == descriptors_before);
}
