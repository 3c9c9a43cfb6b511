#include "runtime/policy/mood.hpp"

#include <algorithm>

namespace troupe::policy {
namespace {

constexpr int minutes_per_day = 24 * 60;

bool is_asleep(const config::mood_config* mood) { return mood != nullptr && mood->sleep; }

// Minutes from wall-clock minute `from` forward to wall-clock minute `to`, in 1..1440.
int minutes_ahead(int from, int to) {
  const int ahead = ((to - from) % minutes_per_day + minutes_per_day) % minutes_per_day;
  return ahead == 0 ? minutes_per_day : ahead;
}

}  // namespace

std::int64_t sleep_ends_at_ms(const std::vector<config::mood_config>& moods,
                              const date::time_zone* zone, std::int64_t now_ms) {
  const local_clock_reading now = read_local_clock(zone, now_ms);
  if (!is_asleep(mood_at(moods, now.minute_of_day))) return now_ms;
  // The mood only changes where a window starts or ends, so the nearest such
  // boundary ahead with a waking mood is where sleep ends.
  std::vector<int> boundaries_ahead;
  for (const auto& mood : moods) {
    boundaries_ahead.push_back(minutes_ahead(now.minute_of_day, mood.start));
    boundaries_ahead.push_back(minutes_ahead(now.minute_of_day, mood.end));
  }
  std::sort(boundaries_ahead.begin(), boundaries_ahead.end());
  for (const int ahead : boundaries_ahead) {
    const int wall_minute = now.minute_of_day + ahead;
    if (!is_asleep(mood_at(moods, wall_minute % minutes_per_day))) {
      // In a repeated DST hour the first occurrence of the wall time may lie
      // behind us; answering `now` then is early, which only costs a tick.
      return std::max(now_ms, instant_of_local_minute(zone, now_ms, wall_minute));
    }
  }
  return never_ms;
}

}  // namespace troupe::policy
