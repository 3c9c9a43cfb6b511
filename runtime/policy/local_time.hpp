// Local wall-clock readings of an instant in an IANA time zone (the pod's), on
// which daily counters and moods depend. Daylight-saving days last 23 or 25
// hours: a reading's midnights are real instants, so `next_local_midnight_ms
// - local_midnight_ms` is the length of that local day.
//
// Pure functions. The zone pointer comes from `date::locate_zone`, which the
// caller calls once per zone; time zones are immutable and shareable, so
// these functions are safe to call from any thread.
#pragma once

#include <date/tz.h>

#include <cstdint>
#include <limits>
#include <string>

namespace troupe::policy {

// An instant that never comes: "not until something else happens".
constexpr std::int64_t never_ms = std::numeric_limits<std::int64_t>::max();

struct local_clock_reading {
  std::string day;                          // local date "YYYY-MM-DD"
  int minute_of_day = 0;                    // wall-clock minutes after local midnight, 0..1439
  std::int64_t local_midnight_ms = 0;       // the instant this local day starts
  std::int64_t next_local_midnight_ms = 0;  // the instant the next local day starts
};

// Returns the local date and time at `epoch_ms` in `zone`.
local_clock_reading read_local_clock(const date::time_zone* zone, std::int64_t epoch_ms);

// Returns the instant at which the wall clock in `zone` reads `minutes` after
// the local midnight of the day containing `epoch_ms` (minutes past 1440
// reach into later days). A wall time skipped by a DST jump maps to the
// instant of the jump; a repeated one to its first occurrence.
std::int64_t instant_of_local_minute(const date::time_zone* zone, std::int64_t epoch_ms,
                                     int minutes);

// Returns the UTC instant as ISO 8601 with milliseconds: "2026-11-27T10:00:00.123Z".
std::string iso_utc_time(std::int64_t epoch_ms);

}  // namespace troupe::policy
