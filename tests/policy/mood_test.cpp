#include "runtime/policy/mood.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "policy_fixtures.hpp"

using namespace troupe::policy;
using namespace troupe::policy::testing;
using troupe::config::mood_config;

namespace {

int at(int hour, int minute) { return hour * 60 + minute; }

std::string name_at(const std::vector<mood_config>& moods, int minute) {
  const mood_config* mood = mood_at(moods, minute);
  return mood != nullptr ? mood->name : "none";
}

mood_config window(const std::string& name, int start, int end, bool sleep = false) {
  mood_config mood;
  mood.name = name;
  mood.start = start;
  mood.end = end;
  mood.sleep = sleep;
  return mood;
}

}  // namespace

TEST_CASE("every reference window holds from its start up to, not including, its end", "[mood]") {
  const auto moods = troupe::config::default_moods();
  CHECK(name_at(moods, at(7, 30)) == "MorningRush");
  CHECK(name_at(moods, at(10, 59)) == "MorningRush");
  CHECK(name_at(moods, at(11, 0)) == "DayDrift");
  CHECK(name_at(moods, at(16, 59)) == "DayDrift");
  CHECK(name_at(moods, at(17, 0)) == "EveningSpree");
  CHECK(name_at(moods, at(22, 29)) == "EveningSpree");
  CHECK(name_at(moods, at(22, 30)) == "LateNightLurk");
  CHECK(name_at(moods, at(1, 0)) == "Sleep");
  CHECK(name_at(moods, at(6, 59)) == "Sleep");
}

TEST_CASE("Sleep wins the 07:00-07:30 overlap with MorningRush", "[mood]") {
  const auto moods = troupe::config::default_moods();
  CHECK(name_at(moods, at(7, 0)) == "Sleep");
  CHECK(name_at(moods, at(7, 15)) == "Sleep");
  CHECK(name_at(moods, at(7, 29)) == "Sleep");
}

TEST_CASE("LateNightLurk wraps midnight: 23:59, 00:00 and 00:59 are in it, 01:00 is Sleep",
          "[mood]") {
  const auto moods = troupe::config::default_moods();
  CHECK(name_at(moods, at(23, 59)) == "LateNightLurk");
  CHECK(name_at(moods, at(0, 0)) == "LateNightLurk");
  CHECK(name_at(moods, at(0, 59)) == "LateNightLurk");
  CHECK(name_at(moods, at(1, 0)) == "Sleep");
}

TEST_CASE("the reference moods cover every minute of the day", "[mood]") {
  const auto moods = troupe::config::default_moods();
  for (int minute = 0; minute < 24 * 60; ++minute) {
    INFO("minute " << minute);
    REQUIRE(mood_at(moods, minute) != nullptr);
  }
}

TEST_CASE("no mood covers a minute outside every window, and an empty window covers nothing",
          "[mood]") {
  const std::vector<mood_config> moods{window("Work", at(9, 0), at(17, 0)),
                                       window("Never", at(12, 0), at(12, 0))};
  CHECK(mood_at(moods, at(8, 59)) == nullptr);
  CHECK(mood_at(moods, at(17, 0)) == nullptr);
  CHECK(name_at(moods, at(12, 0)) == "Work");
}

TEST_CASE(
    "overlapping waking moods resolve to the first in config order while sleep wins wherever it is "
    "listed",
    "[mood]") {
  const std::vector<mood_config> moods{window("First", at(8, 0), at(12, 0)),
                                       window("Second", at(10, 0), at(14, 0)),
                                       window("Nap", at(11, 0), at(13, 0), true)};
  CHECK(name_at(moods, at(10, 30)) == "First");
  CHECK(name_at(moods, at(12, 30)) == "Nap");
  CHECK(name_at(moods, at(13, 30)) == "Second");
}

TEST_CASE("an awake pod's sleep ends now and a sleeping pod's at the first waking minute",
          "[mood]") {
  const auto moods = troupe::config::default_moods();
  const auto noon = utc_ms(2024, 5, 15, 12, 0);
  CHECK(sleep_ends_at_ms(moods, utc_zone(), noon) == noon);
  // 03:00 in Berlin (CEST) is asleep until 07:30 local, 05:30 UTC.
  CHECK(sleep_ends_at_ms(moods, berlin_zone(), utc_ms(2024, 5, 15, 1, 0)) ==
        utc_ms(2024, 5, 15, 5, 30));
  // 07:15 local is Sleep (the overlap), so sleep still ends at 07:30.
  CHECK(sleep_ends_at_ms(moods, berlin_zone(), utc_ms(2024, 5, 15, 5, 15)) ==
        utc_ms(2024, 5, 15, 5, 30));
}

TEST_CASE("a sleep window wrapping midnight ends on the next local day", "[mood]") {
  const std::vector<mood_config> moods{window("Night", at(23, 0), at(6, 0), true),
                                       window("Day", at(6, 0), at(23, 0))};
  CHECK(sleep_ends_at_ms(moods, utc_zone(), utc_ms(2024, 5, 15, 23, 30)) ==
        utc_ms(2024, 5, 16, 6, 0));
}

TEST_CASE("a sleep that ends inside the skipped DST hour ends at the jump", "[mood]") {
  const std::vector<mood_config> moods{window("Night", at(0, 0), at(2, 30), true),
                                       window("Day", at(2, 30), at(0, 0))};
  CHECK(sleep_ends_at_ms(moods, berlin_zone(), utc_ms(2024, 3, 30, 23, 30)) ==
        utc_ms(2024, 3, 31, 1, 0));
}

TEST_CASE("a pod whose moods are all sleep never wakes", "[mood]") {
  const std::vector<mood_config> moods{window("Hibernate", at(0, 0), at(12, 0), true),
                                       window("Still", at(12, 0), at(0, 0), true)};
  CHECK(sleep_ends_at_ms(moods, utc_zone(), utc_ms(2024, 5, 15, 3, 0)) == never_ms);
}
