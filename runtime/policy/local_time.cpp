#include "runtime/policy/local_time.hpp"

#include <array>
#include <cstdio>

namespace troupe::policy {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;

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

// What one thread last read of one zone: the span in which its UTC offset
// holds, and the last local day with its midnights and its formatted date.
// A node asks for the same zone and day hundreds of thousands of times a
// simulated day; date's transition search and the formatting dominated the
// simulation's profile. Every field is derived from the zone alone, so a
// memo answers exactly what a fresh reading would.
struct zone_memo {
  const date::time_zone* zone = nullptr;
  date::sys_seconds offset_from;  // the offset holds in [offset_from, offset_until)
  date::sys_seconds offset_until;
  milliseconds offset{0};
  date::local_days day;  // the local day below was read for
  bool has_day = false;
  std::string formatted_day;
  std::int64_t midnight_ms = 0;
  std::int64_t next_midnight_ms = 0;
};

// A few zones per thread (a node has a handful), replaced in turn.
struct zone_memos {
  std::array<zone_memo, 4> entries;
  std::size_t next_replaced = 0;

  zone_memo& of(const date::time_zone* zone) {
    for (auto& entry : entries) {
      if (entry.zone == zone) return entry;
    }
    auto& entry = entries[next_replaced];
    next_replaced = (next_replaced + 1) % entries.size();
    entry = zone_memo{};
    entry.zone = zone;
    return entry;
  }
};

// The memo of `zone` with an offset that holds at `instant`.
zone_memo& memo_at(const date::time_zone* zone, date::sys_time<milliseconds> instant) {
  thread_local zone_memos memos;
  auto& memo = memos.of(zone);
  const auto second = date::floor<std::chrono::seconds>(instant);
  if (memo.offset_until <= memo.offset_from || second < memo.offset_from ||
      second >= memo.offset_until) {
    const auto info = zone->get_info(second);
    memo.offset_from = info.begin;
    memo.offset_until = info.end;
    memo.offset = info.offset;
  }
  return memo;
}

date::local_time<milliseconds> local_time_of(const date::time_zone* zone, std::int64_t epoch_ms) {
  const date::sys_time<milliseconds> instant{milliseconds{epoch_ms}};
  return date::local_time<milliseconds>{milliseconds{epoch_ms} + memo_at(zone, instant).offset};
}

}  // namespace

local_clock_reading read_local_clock(const date::time_zone* zone, std::int64_t epoch_ms) {
  auto& memo = memo_at(zone, date::sys_time<milliseconds>{milliseconds{epoch_ms}});
  const date::local_time<milliseconds> wall{milliseconds{epoch_ms} + memo.offset};
  const auto day = date::floor<date::days>(wall);
  if (!memo.has_day || memo.day != day) {
    memo.day = day;
    memo.has_day = true;
    memo.formatted_day = format_day(day);
    memo.midnight_ms = instant_of(zone, day);
    memo.next_midnight_ms = instant_of(zone, day + date::days{1});
  }
  local_clock_reading reading;
  reading.day = memo.formatted_day;
  reading.minute_of_day = static_cast<int>(date::floor<minutes>(wall - day).count());
  reading.local_midnight_ms = memo.midnight_ms;
  reading.next_local_midnight_ms = memo.next_midnight_ms;
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
