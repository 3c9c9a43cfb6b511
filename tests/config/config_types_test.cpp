// The config types' own rules: times of day, mood windows, activity lookup.
#include <catch2/catch.hpp>

#include "config/config.hpp"

using namespace troupe::config;

namespace {

mood_config mood(const char* name, const char* start, const char* end, bool sleep = false) {
  mood_config m;
  m.name = name;
  m.start = *parse_minute_of_day(start);
  m.end = *parse_minute_of_day(end);
  m.sleep = sleep;
  return m;
}

}  // namespace

TEST_CASE("times of day are exactly HH:MM from 00:00 to 23:59", "[config][types]") {
  CHECK(parse_minute_of_day("00:00") == 0);
  CHECK(parse_minute_of_day("07:30") == 450);
  CHECK(parse_minute_of_day("23:59") == 1439);
  CHECK_FALSE(parse_minute_of_day("24:00"));
  CHECK_FALSE(parse_minute_of_day("12:60"));
  CHECK_FALSE(parse_minute_of_day("7:30"));
  CHECK_FALSE(parse_minute_of_day("07:30:00"));
  CHECK_FALSE(parse_minute_of_day("ab:cd"));
  CHECK(format_minute_of_day(450) == "07:30");
  CHECK(format_minute_of_day(0) == "00:00");
}

TEST_CASE("a mood window includes its start, excludes its end, and may wrap midnight",
          "[config][types]") {
  const auto day = mood("Day", "08:00", "20:00");
  CHECK(mood_covers(day, 8 * 60));
  CHECK_FALSE(mood_covers(day, 20 * 60));
  const auto late = mood("Late", "22:30", "01:00");
  CHECK(mood_covers(late, 23 * 60));
  CHECK(mood_covers(late, 0));
  CHECK_FALSE(mood_covers(late, 60));
  CHECK_FALSE(mood_covers(late, 12 * 60));
  CHECK_FALSE(mood_covers(mood("Empty", "05:00", "05:00"), 5 * 60));
}

TEST_CASE("where moods overlap a sleep mood wins, otherwise the first listed", "[config][types]") {
  const std::vector<mood_config> moods{mood("Morning", "07:00", "11:00"),
                                       mood("Brunch", "10:00", "12:00"),
                                       mood("Sleep", "01:00", "07:30", true)};
  CHECK(mood_at(moods, 7 * 60 + 15)->name == "Sleep");
  CHECK(mood_at(moods, 7 * 60 + 30)->name == "Morning");
  CHECK(mood_at(moods, 10 * 60 + 30)->name == "Morning");
  CHECK(mood_at(moods, 11 * 60 + 30)->name == "Brunch");
  CHECK(mood_at(moods, 15 * 60) == nullptr);
}

TEST_CASE("the default activities and moods are the reference ones", "[config][types]") {
  const troupe_config config;
  REQUIRE(config.activities.size() == 4);
  CHECK(config.find_activity("follow")->count->max == 15);
  CHECK(config.find_activity("stories")->seconds->min == 60);
  CHECK(config.find_activity("likes") == nullptr);
  REQUIRE(config.moods.size() == 5);
  CHECK(config.moods[0].name == "MorningRush");
  CHECK(config.moods[0].weights.at("follow") == Approx(1.2));
  CHECK(config.moods[4].sleep);
}
