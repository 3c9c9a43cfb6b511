#include "runtime/failure_streak.hpp"

#include <catch2/catch.hpp>

using troupe::failure_streak;
using log_as = failure_streak::log_as;

TEST_CASE("a run of failures is logged at its first, then reminded at most once per interval") {
  failure_streak streak(60'000);
  CHECK(streak.failed(1'000) == log_as::first);
  CHECK(streak.failed(6'000) == log_as::nothing);    // every 5 s, as a heartbeat retries
  CHECK(streak.failed(60'999) == log_as::nothing);   // not yet a minute since the first line
  CHECK(streak.failed(61'000) == log_as::reminder);
  CHECK(streak.failed(66'000) == log_as::nothing);
  CHECK(streak.failed(121'000) == log_as::reminder);  // a minute after the reminder
  CHECK(streak.failures() == 6);
  CHECK(streak.lasted_ms(121'000) == 120'000);
}

TEST_CASE("a success ends the run, says how long it was, and the next failure is a first again") {
  failure_streak streak(60'000);
  CHECK(streak.succeeded() == 0);  // nothing was failing
  streak.failed(1'000);
  streak.failed(2'000);
  CHECK(streak.failing());
  CHECK(streak.succeeded() == 2);
  CHECK_FALSE(streak.failing());
  CHECK(streak.lasted_ms(3'000) == 0);
  CHECK(streak.failed(3'000) == log_as::first);
  CHECK(streak.failed(4'000) == log_as::nothing);
}

TEST_CASE("a run's lines: the first failure says it will retry, a reminder how long and how often") {
  failure_streak streak(60'000);
  CHECK(streak.failure_line(1'000, "writes", "connection refused", "3 writes waiting") ==
        "connection refused; will retry");
  CHECK(streak.failure_line(30'000, "writes", "connection refused", "4 writes waiting") == std::nullopt);
  CHECK(streak.failure_line(61'000, "writes", "timed out", "5 writes waiting") ==
        "writes still failing after 60 s (3 attempts, 5 writes waiting): timed out");
  CHECK(streak.failure_line(121'000, "the database", "timed out") ==
        "the database still failing after 120 s (4 attempts): timed out");
}
