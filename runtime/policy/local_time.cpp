#include "runtime/policy/local_time.hpp"

#include <cstdio>

namespace troupe::policy {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;

date::local_time<milliseconds> local_time_of(const date::time_zone* zone, std::int64_t epoch_ms) {
  return zone->to_local(date::sys_time<milliseconds>{milliseconds{epoch_ms}});
}

// date::choose::earliest also maps a nonexistent wall time to the DST jump.
std::int64_t instant_of(const date::time_zone* zone, date::local_time<milliseconds> wall) {
  return zone->to_sys(wall, date::choose::earliest).time_since_epoch().count();
}

std::string format_day(date::local_days day) {
  const date::year_month_day ymd{day};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

}  // namespace

local_clock_reading read_local_clock(const date::time_zone* zone, std::int64_t epoch_ms) {
  const auto wall = local_time_of(zone, epoch_ms);
  const auto day = date::floor<date::days>(wall);
  local_clock_reading reading;
  reading.day = format_day(day);
  reading.minute_of_day = static_cast<int>(date::floor<minutes>(wall - day).count());
  reading.local_midnight_ms = instant_of(zone, day);
  reading.next_local_midnight_ms = instant_of(zone, day + date::days{1});
  return reading;
}

std::int64_t instant_of_local_minute(const date::time_zone* zone, std::int64_t epoch_ms,
                                     int minutes_after_midnight) {
  const auto day = date::floor<date::days>(local_time_of(zone, epoch_ms));
  return instant_of(zone, day + minutes{minutes_after_midnight});
}

std::string iso_utc_time(std::int64_t epoch_ms) {
  const date::sys_time<std::chrono::milliseconds> instant{std::chrono::milliseconds(epoch_ms)};
  return date::format("%FT%TZ", instant);
}

}  // namespace troupe::policy
