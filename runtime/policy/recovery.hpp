// The recovery plan the supervisor runs after a hard error: the configured
// steps (at most recovery.maxRecoverySteps), each a driver invocation
// `recover --step <name>` preceded by a wait that grows geometrically
// (retryBackoffMs x backoffFactor^index: 30 s, 60 s, 120 s ... by default).
// The first step that succeeds ends recovery; when every step has failed
// the account is parked (needs_recovery) until an operator clears it or,
// when recovery.cooldownMs > 0, until the cool-down lets recovery run again.
// A reload that removes the steps not yet run ends the recovery the same
// way: past the last step that remains, recovery_step_at says none, and the
// account is parked (a step that did not run repaired nothing).
//
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "runtime/account_state.hpp"

namespace troupe::policy {

struct recovery_step {
  std::string name;           // the value of --step
  std::int64_t delay_ms = 0;  // wait before running it
};

// Returns how many steps a recovery runs: min(steps, maxRecoverySteps), >= 0.
int recovery_step_count(const config::recovery_config& recovery);

// Returns step `index` (0-based) of the plan, or nothing past the last step
// (the recovery has failed).
std::optional<recovery_step> recovery_step_at(const config::recovery_config& recovery, int index);

// Returns `state` parked after every recovery step failed at `now_ms`.
account_state park_for_recovery(account_state state, std::int64_t now_ms);

// Returns `state` released from recovery (a step succeeded, or an operator
// cleared it); the error streak stays until a session succeeds.
account_state release_from_recovery(account_state state);

// Returns true iff `state` is parked and the cool-down has elapsed at
// `now_ms`, so the supervisor should run the recovery plan again. Never
// with cooldownMs = 0 (parked until an operator clears it).
bool recovery_cooldown_elapsed(const account_state& state, const config::recovery_config& recovery,
                               std::int64_t now_ms);

}  // namespace troupe::policy
