// The tick ledger `aol_tick_ledger`: one row per tick of the autonomous
// operations loop, written when the tick starts (RUNNING) and completed when
// it ends; a row left RUNNING shows a tick its daemon did not live through.
// Functions use the given database only; its contract (one thread at a
// time) applies. Behaviour is identical on SQLite and PostgreSQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

enum class tick_status {
  running,  // started, not finished
  success,  // ran; individual actions may still have failed
  error,    // the tick itself failed (e.g. the database went away)
  paused,   // the `paused` flag was set: nothing was claimed
};

// The stored name: "RUNNING", "SUCCESS", "ERROR", "PAUSED".
const char* to_string(tick_status status);
std::optional<tick_status> parse_tick_status(std::string_view name);

struct tick_record {
  std::int64_t id = 0;
  std::int64_t started_at_ms = 0;
  std::optional<std::int64_t> finished_at_ms;
  tick_status status = tick_status::running;
  int attempted = 0;
  int succeeded = 0;
  std::optional<std::int64_t> duration_ms;  // finished - started
  std::string owner;                        // the lease holder that ran it
  std::int64_t epoch = 0;                   // its lease epoch
};

// Records a tick that starts now and returns its id. Fails on an empty owner.
result<std::int64_t> begin_tick(database& db, const std::string& owner, std::int64_t epoch,
                                std::int64_t now_ms);

// Records the end of a RUNNING tick. Fails if `final_status` is running, a count
// is negative, succeeded > attempted, or no RUNNING tick has that id.
status finish_tick(database& db, std::int64_t id, tick_status final_status, int attempted,
                   int succeeded, std::int64_t now_ms);

// The `limit` (>= 1) most recent ticks, newest first.
result<std::vector<tick_record>> recent_ticks(database& db, int limit);

}  // namespace troupe::store
