// A fixed instant for tests whose store rows and checks need one.
#pragma once

#include <cstdint>

constexpr std::int64_t t0 = 1'795'780'800'000;  // 2026-11-27T12:00:00Z
