#pragma once

#include <cstdint>

// Lengths of time in milliseconds, the unit every clock and config value in
// Troupe uses.
namespace troupe::time_units {

constexpr std::int64_t second_ms = 1'000;
constexpr std::int64_t minute_ms = 60 * second_ms;
constexpr std::int64_t hour_ms = 60 * minute_ms;
constexpr std::int64_t day_ms = 24 * hour_ms;

}  // namespace troupe::time_units
