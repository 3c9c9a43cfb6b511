// The circuit breaker's state machine, on virtual time.
#include "runtime/llm/breaker.hpp"

#include <catch2/catch.hpp>

using namespace troupe::llm;
using namespace std::chrono_literals;

namespace {

const breaker_settings three_then_a_minute{3, 60'000ms};
const clock_time start{};

breaker_state failed_times(int count, clock_time at) {
  breaker_state state;
  for (int i = 0; i < count; ++i) state = record_failure(state, three_then_a_minute, at);
  return state;
}

}  // namespace

TEST_CASE("a closed breaker lets every call through") {
  const auto admission = admit(breaker_state{}, start);
  CHECK(admission.allowed);
  CHECK(admission.next.phase == breaker_phase::closed);
}

TEST_CASE("the breaker opens on the N-th consecutive failure, not before") {
  const auto twice = failed_times(2, start);
  CHECK(twice.phase == breaker_phase::closed);
  CHECK(twice.consecutive_failures == 2);
  CHECK_FALSE(refuses(twice, start));

  const auto thrice = failed_times(3, start);
  CHECK(thrice.phase == breaker_phase::open);
  CHECK(thrice.open_until == start + 60s);
  CHECK(refuses(thrice, start + 59'999ms));
}

TEST_CASE("a success in between resets the count of consecutive failures") {
  auto state = failed_times(2, start);
  state = record_success(state);
  state = record_failure(state, three_then_a_minute, start);
  CHECK(state.phase == breaker_phase::closed);
  CHECK(state.consecutive_failures == 1);
}

TEST_CASE("after the cool-down exactly one probe goes through") {
  const auto open = failed_times(3, start);
  const auto probe = admit(open, start + 60s);
  REQUIRE(probe.allowed);
  CHECK(probe.next.phase == breaker_phase::half_open);
  CHECK(probe.next.probe_in_flight);
  CHECK_FALSE(admit(probe.next, start + 61s).allowed);
}

TEST_CASE("a successful probe closes the breaker") {
  const auto probing = admit(failed_times(3, start), start + 60s).next;
  const auto closed = record_success(probing);
  CHECK(closed.phase == breaker_phase::closed);
  CHECK(closed.consecutive_failures == 0);
  CHECK(admit(closed, start + 60s).allowed);
}

TEST_CASE("a failed probe opens the breaker for another cool-down") {
  const auto probing = admit(failed_times(3, start), start + 60s).next;
  const auto reopened = record_failure(probing, three_then_a_minute, start + 61s);
  CHECK(reopened.phase == breaker_phase::open);
  CHECK(reopened.open_until == start + 121s);
  CHECK_FALSE(reopened.probe_in_flight);
  CHECK(refuses(reopened, start + 120s));
  CHECK_FALSE(refuses(reopened, start + 121s));
}

TEST_CASE("an exhausted quota trips the breaker at once") {
  const auto tripped = trip(breaker_state{}, three_then_a_minute, start);
  CHECK(tripped.phase == breaker_phase::open);
  CHECK(tripped.open_until == start + 60s);
}

TEST_CASE("breaker phases have stable names") {
  CHECK(std::string(name_of(breaker_phase::closed)) == "closed");
  CHECK(std::string(name_of(breaker_phase::open)) == "open");
  CHECK(std::string(name_of(breaker_phase::half_open)) == "half_open");
}
