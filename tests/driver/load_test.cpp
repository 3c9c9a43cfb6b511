#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cerrno>

#include "driver_fixture.hpp"

using namespace troupe::driver;
using namespace troupe::driver::testing;

TEST_CASE("a thousand sessions in a row leave no zombie and no extra descriptor") {
  const auto descriptors_before = open_descriptor_count();
  auto invocation = sim_session({"--sim-progress", "1"});
  std::size_t successes = 0;
  const auto started = std::chrono::steady_clock::now();
  for (int session = 0; session < 1000; ++session) {
    if (run(invocation).outcome.kind == outcome_kind::success) ++successes;
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  WARN("1000 sessions took "
       << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms");
  CHECK(successes == 1000);
  CHECK(zombie_children().empty());
  const pid_t waited = ::waitpid(-1, nullptr, WNOHANG);
  const int reason = errno;
  CHECK(waited == -1);
  CHECK(reason == ECHILD);
  CHECK(open_descriptor_count() == descriptors_before);
}
