// Test support for the cluster's store: a migrated scratch PostgreSQL
// database per case (cluster mode is PostgreSQL-only), further connections
// to it for "other nodes", and a bounded wait.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "tests/store/scratch_database.hpp"

namespace troupe::store::testing {

// Whether PostgreSQL is configured; without it the case says it is skipped
// (or fails under TROUPE_REQUIRE_POSTGRESQL, see test_backends()).
inline bool postgresql_configured() {
  const auto backends = test_backends();
  return std::find(backends.begin(), backends.end(), backend::postgresql) != backends.end();
}

// Another connection to the scratch database, as a second node would have.
inline database connect(const scratch_database& scratch) {
  auto opened = database::open(scratch.url());
  if (!opened) FAIL(opened.failure().message);
  return std::move(opened).value();
}

// Calls `attempt` every 10 ms until it returns true or `limit` passed;
// returns whether it did.
template <class Attempt>
bool eventually(Attempt&& attempt,
                std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (attempt()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return attempt();
}

// A lease or TTL no test case outlives.
constexpr std::int64_t long_ttl_ms = 60'000;

// The database's clock, epoch ms.
std::int64_t database_now(database& db);

}  // namespace troupe::store::testing
