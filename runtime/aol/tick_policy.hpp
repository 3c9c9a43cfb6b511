// The decisions of the autonomous operations loop that need no database and
// no clock: the loop's settings from the config, how an adapter's outcome is
// written to the queue, when the leases are renewed, how long to wait before
// the next tick, when to prune, and the line `troupe daemon` prints per tick.
// Pure functions of their arguments (the generator is the caller's).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "runtime/aol/adapters.hpp"
#include "runtime/aol/retry_policy.hpp"
#include "runtime/policy/rng.hpp"
#include "runtime/store/aol_claims.hpp"
#include "runtime/store/aol_tick_ledger.hpp"

namespace troupe::aol {

// The name of the single-daemon lease in aol_lease.
constexpr const char* loop_lease_name = "aol";

struct loop_settings {
  std::int64_t tick_ms = 1000;
  std::int64_t lease_ttl_ms = 15'000;
  std::int64_t action_lease_ms = 60'000;
  int max_batch = 32;
  int max_parallel = 4;                 // adapters running at once
  std::int64_t held_recheck_ms = 60'000;  // a held action is looked at again after this
  backoff_config backoff;
  std::int64_t decision_timeout_ms = 86'400'000;
  std::int64_t retention_ms = 7LL * 86'400'000;
  // Whether ticks prune finished actions past retention_ms; off where
  // job:cleanup prunes them (runtime/ops/cleanup_job.hpp).
  bool prune_finished = true;
  std::filesystem::path artifact_dir = "aol-data/proof";
};

// The settings of the config's aol section (artifacts under dataDir/proof).
loop_settings settings_from(const config::aol_config& aol);

// What the queue is told after an attempt.
struct settlement {
  enum class kind { complete, fail, request_decision, hold, prove };
  kind write = kind::complete;
  store::attempt_failure failure;  // for fail: the error, the backoff delay, permanence
  std::string held_reason;         // for hold
  std::int64_t recheck_delay_ms = 0;  // for hold: from now until it is looked at again
  std::string artifact;            // for prove
};

// The write for `outcome` of an attempt at an action that has been claimed
// `attempts` times: a failure waits backoff_delay_ms(attempts) before its
// next attempt (nothing when permanent: it goes to the DLQ); a held action
// is looked at again after held_recheck_ms.
settlement settle(const adapter_outcome& outcome, int attempts, const loop_settings& settings,
                  policy::rng& random);

// How many actions a tick may claim while `in_flight` attempts still run:
// at most max_batch, and no more than the free adapter slots (never < 0).
int claim_limit(const loop_settings& settings, int in_flight);

// How often the leases are renewed while an adapter runs: a third of the
// shorter lease, so two renewals may fail before either lease lapses. Also
// the longest a tick waits for the attempts it started.
std::int64_t renew_interval_ms(const loop_settings& settings);

// How long to wait after a tick that took `elapsed_ms` before the next one:
// what is left of tick_ms, or nothing when the tick claimed a full batch
// (more actions are probably due).
std::int64_t next_tick_delay_ms(const loop_settings& settings, std::int64_t elapsed_ms,
                                bool batch_full);

// Finished actions are pruned at most this often.
constexpr std::int64_t prune_interval_ms = 3'600'000;

// What to add to a local clock to read the database's: the database read
// `database_ms` between the local readings `asked_ms` and `answered_ms`, so
// its reading is placed at their midpoint (off by at most half the round
// trip).
std::int64_t database_clock_offset_ms(std::int64_t asked_ms, std::int64_t database_ms,
                                      std::int64_t answered_ms);

// Whether a tick at `now_ms` prunes, given when the loop last pruned.
bool prune_due(std::optional<std::int64_t> last_prune_ms, std::int64_t now_ms);

// What one tick came to, for the caller's log.
struct tick_report {
  std::int64_t index = 0;  // 1, 2, ... over the loop's life (ticks as the lease holder)
  store::tick_status status = store::tick_status::success;
  int attempted = 0;
  int succeeded = 0;
  std::int64_t duration_ms = 0;
  std::string error;  // ERROR: why
};

// "[AOL Tick i] SUCCESS | Actions: a attempted, s succeeded | Duration: x.xxs"
std::string tick_line(const tick_report& report);

}  // namespace troupe::aol
