// The daily reset: an account's counters belong to one local day of its
// pod's time zone. When the local day of "now" differs from the account's
// `day`, the day's counters (starts_today, done_today) clear and energy
// returns to energy.start; everything else is kept (a stories gap or an
// idle spacing may run across midnight).
//
// Pure functions; safe from any thread.
#pragma once

#include <string>

#include "config/config.hpp"
#include "runtime/account_state.hpp"

namespace troupe::policy {

// Returns true iff `state`'s counters belong to another day than `local_day`.
bool needs_daily_reset(const account_state& state, const std::string& local_day);

// Returns `state` with its day set to `local_day` and, when that is a new
// day, the counters cleared and energy restored. `local_day` is
// read_local_clock(zone, now).day for the pod's zone.
account_state apply_daily_reset(account_state state, const std::string& local_day,
                                const config::energy_config& energy);

}  // namespace troupe::policy
