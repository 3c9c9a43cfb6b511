#include "runtime/policy/local_time.hpp"

#include <catch2/catch.hpp>

#include "policy_fixtures.hpp"

using namespace troupe::policy;
using namespace troupe::policy::testing;

TEST_CASE("a UTC reading is the calendar date and minute of the instant", "[local_time]") {
  const auto reading = read_local_clock(utc_zone(), utc_ms(2024, 5, 15, 13, 37) + 59'999);
  CHECK(reading.day == "2024-05-15");
  CHECK(reading.minute_of_day == 13 * 60 + 37);
  CHECK(reading.local_midnight_ms == utc_ms(2024, 5, 15, 0, 0));
  CHECK(reading.next_local_midnight_ms == utc_ms(2024, 5, 16, 0, 0));
}

TEST_CASE("Berlin's local day starts at 23:00 UTC in winter and 22:00 UTC in summer",
          "[local_time]") {
  const auto winter = read_local_clock(berlin_zone(), utc_ms(2024, 1, 10, 23, 30));
  CHECK(winter.day == "2024-01-11");
  CHECK(winter.minute_of_day == 30);
  CHECK(winter.local_midnight_ms == utc_ms(2024, 1, 10, 23, 0));

  const auto summer = read_local_clock(berlin_zone(), utc_ms(2024, 7, 10, 21, 59));
  CHECK(summer.day == "2024-07-10");
  CHECK(summer.minute_of_day == 23 * 60 + 59);
  CHECK(summer.next_local_midnight_ms == utc_ms(2024, 7, 10, 22, 0));
}

TEST_CASE("the spring-forward day in Berlin lasts 23 hours and skips 02:00-03:00", "[local_time]") {
  const auto before_jump = read_local_clock(berlin_zone(), utc_ms(2024, 3, 31, 0, 59));
  CHECK(before_jump.day == "2024-03-31");
  CHECK(before_jump.minute_of_day == 1 * 60 + 59);
  const auto after_jump = read_local_clock(berlin_zone(), utc_ms(2024, 3, 31, 1, 0));
  CHECK(after_jump.minute_of_day == 3 * 60);
  CHECK(after_jump.local_midnight_ms == utc_ms(2024, 3, 30, 23, 0));
  CHECK(after_jump.next_local_midnight_ms == utc_ms(2024, 3, 31, 22, 0));
  CHECK(after_jump.next_local_midnight_ms - after_jump.local_midnight_ms == 23 * hour_ms);
}

TEST_CASE("the fall-back day in Berlin lasts 25 hours and repeats 02:00-03:00", "[local_time]") {
  const auto first_pass = read_local_clock(berlin_zone(), utc_ms(2024, 10, 27, 0, 30));
  const auto second_pass = read_local_clock(berlin_zone(), utc_ms(2024, 10, 27, 1, 30));
  CHECK(first_pass.minute_of_day == 2 * 60 + 30);
  CHECK(second_pass.minute_of_day == 2 * 60 + 30);
  CHECK(second_pass.day == "2024-10-27");
  CHECK(second_pass.local_midnight_ms == utc_ms(2024, 10, 26, 22, 0));
  CHECK(second_pass.next_local_midnight_ms == utc_ms(2024, 10, 27, 23, 0));
  CHECK(second_pass.next_local_midnight_ms - second_pass.local_midnight_ms == 25 * hour_ms);
}

TEST_CASE("a local wall time maps to its instant, a skipped one to the DST jump", "[local_time]") {
  const auto noon = utc_ms(2024, 3, 31, 10, 0);
  CHECK(instant_of_local_minute(berlin_zone(), noon, 7 * 60 + 30) == utc_ms(2024, 3, 31, 5, 30));
  CHECK(instant_of_local_minute(berlin_zone(), noon, 2 * 60 + 30) == utc_ms(2024, 3, 31, 1, 0));
  CHECK(instant_of_local_minute(berlin_zone(), noon, 24 * 60 + 7 * 60) == utc_ms(2024, 4, 1, 5, 0));
  CHECK(instant_of_local_minute(berlin_zone(), utc_ms(2024, 10, 27, 10, 0), 2 * 60 + 30) ==
        utc_ms(2024, 10, 27, 0, 30));
}

TEST_CASE("readings that alternate zones and cross a DST jump each read their own zone and offset",
          "[local_time]") {
  // Readings are remembered per zone and day: each must still be the one of its instant.
  const auto berlin_before = read_local_clock(berlin_zone(), utc_ms(2024, 3, 31, 0, 59));
  const auto utc_between = read_local_clock(utc_zone(), utc_ms(2024, 3, 31, 0, 59));
  const auto berlin_after = read_local_clock(berlin_zone(), utc_ms(2024, 3, 31, 1, 0));
  const auto berlin_next_day = read_local_clock(berlin_zone(), utc_ms(2024, 3, 31, 22, 0));
  const auto berlin_back = read_local_clock(berlin_zone(), utc_ms(2024, 3, 30, 12, 0));
  CHECK(berlin_before.minute_of_day == 1 * 60 + 59);
  CHECK(utc_between.minute_of_day == 59);
  CHECK(utc_between.local_midnight_ms == utc_ms(2024, 3, 31, 0, 0));
  CHECK(berlin_after.minute_of_day == 3 * 60);
  CHECK(berlin_after.day == "2024-03-31");
  CHECK(berlin_next_day.day == "2024-04-01");
  CHECK(berlin_next_day.minute_of_day == 0);
  CHECK(berlin_next_day.local_midnight_ms == utc_ms(2024, 3, 31, 22, 0));
  CHECK(berlin_back.day == "2024-03-30");
  CHECK(berlin_back.minute_of_day == 13 * 60);
  CHECK(berlin_back.next_local_midnight_ms == utc_ms(2024, 3, 30, 23, 0));
}
