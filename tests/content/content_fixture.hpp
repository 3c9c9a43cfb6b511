// What several content tests share: the lengths of time, a fixed now, and a
// post that passes every gate.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/time_units.hpp"

using troupe::time_units::day_ms;
using troupe::time_units::hour_ms;
using troupe::time_units::minute_ms;

constexpr std::int64_t now_ms = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

const std::string release_note =
    "Our new release makes the scheduler twice as fast on small servers, and the memory use "
    "drops by a third.";
