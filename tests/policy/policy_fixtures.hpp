// Shared helpers for the policy tests: instants from calendar dates, zones,
// and a planning context as a pod would build it.
#pragma once

#include <date/tz.h>

#include <cstdint>
#include <string>

#include "config/config.hpp"
#include "runtime/account_state.hpp"
#include "runtime/policy/local_time.hpp"
#include "runtime/policy/mood.hpp"
#include "runtime/policy/planner.hpp"

namespace troupe::policy::testing {

constexpr std::int64_t minute_ms = 60'000;
constexpr std::int64_t hour_ms = 60 * minute_ms;

// The epoch milliseconds of a UTC calendar time.
inline std::int64_t utc_ms(int year, unsigned month, unsigned day, int hour, int minute) {
  const date::sys_days days = date::year{year} / date::month{month} / date::day{day};
  return std::chrono::duration_cast<std::chrono::milliseconds>(days.time_since_epoch()).count() +
         hour * hour_ms + minute * minute_ms;
}

inline const date::time_zone* utc_zone() { return date::locate_zone("UTC"); }
inline const date::time_zone* berlin_zone() { return date::locate_zone("Europe/Berlin"); }

// The context a pod in `zone` builds at `now_ms`: clock, mood, no pause,
// a free permit, no targets file.
inline plan_context context_at(const config::troupe_config& config, std::int64_t now_ms,
                               const date::time_zone* zone = utc_zone()) {
  plan_context context;
  context.now_ms = now_ms;
  context.clock = read_local_clock(zone, now_ms);
  context.mood = mood_at(config.moods, context.clock.minute_of_day);
  return context;
}

// A rested, idle account whose counters belong to the local day of `context`.
inline account_state rested_account(const plan_context& context) {
  account_state state;
  state.account_id = "profile-a1";
  state.pod = "podA";
  state.day = context.clock.day;
  state.energy = 1.0;
  return state;
}

// A counted activity named `name` with an inclusive count range.
inline config::activity_config counted_activity(const std::string& name, std::int64_t min,
                                                std::int64_t max) {
  config::activity_config activity;
  activity.name = name;
  activity.script = name + ".js";
  activity.count = config::int_range{min, max};
  return activity;
}

// A timed activity named `name` with an inclusive range of seconds.
inline config::activity_config timed_activity(const std::string& name, std::int64_t min,
                                              std::int64_t max) {
  config::activity_config activity;
  activity.name = name;
  activity.script = name + ".js";
  activity.seconds = config::int_range{min, max};
  return activity;
}

// Noon UTC on an ordinary weekday: the reference mood is DayDrift.
inline std::int64_t day_drift_noon() { return utc_ms(2024, 5, 15, 12, 0); }
// 03:00 UTC: the reference mood is Sleep.
inline std::int64_t sleep_night() { return utc_ms(2024, 5, 15, 3, 0); }

}  // namespace troupe::policy::testing
