// What `troupe run` tells systemd, decided without I/O: the watchdog's
// timing from the variables systemd sets (WATCHDOG_USEC, WATCHDOG_PID), when
// the next ping is due, the sd_notify messages and the one-line STATUS=
// summary. Plain functions of their arguments; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace troupe::ops {

// The watchdog systemd asks of this process (WatchdogSec=).
struct watchdog_timing {
  std::chrono::microseconds timeout{0};  // WATCHDOG_USEC: systemd's limit between two pings
  std::chrono::microseconds ping_interval{
      0};  // half the timeout, as sd_watchdog_enabled(3) advises
  // How long the tree may take to answer the liveness probe before a ping:
  // half an interval, so a ping is sent (or skipped) before the next is due.
  std::chrono::milliseconds probe_bound{0};
};

// The timing for the process `own_pid` from WATCHDOG_USEC and WATCHDOG_PID
// (nullptr when unset). Returns nullopt when no watchdog is asked of it:
// WATCHDOG_USEC unset, not a positive whole number, or WATCHDOG_PID set and
// naming another process (a child that inherited the variables).
std::optional<watchdog_timing> watchdog_timing_from(const char* watchdog_usec,
                                                    const char* watchdog_pid, long own_pid);

// When the ping after one due at `due` is due, the first having been handled
// at `now`: one interval after `due`, on a steady cadence however long the
// probe took; `now` when even that has passed (a stalled process does not
// catch up with a burst of pings).
std::chrono::steady_clock::time_point next_ping_due(std::chrono::steady_clock::time_point due,
                                                    std::chrono::microseconds interval,
                                                    std::chrono::steady_clock::time_point now);

// The supervisor's figures for the STATUS= line.
struct tree_summary {
  std::int64_t pods = 0;
  std::int64_t permits_in_use = 0;
  std::int64_t permits_capacity = 0;
  std::uint64_t config_version = 0;
  bool draining = false;
};

// One line, e.g. "2 pods, 1/2 permits in use, config version 3"; ", draining"
// is added while the tree drains and ", last reload failed" when the last
// reload found errors (the config version named is the one still running).
std::string status_line(const tree_summary& summary, bool last_reload_failed);

// The STATUS= line while the tree does not answer its liveness probe.
std::string not_answering_line(std::chrono::milliseconds bound);

// The sd_notify messages: newline-separated NAME=VALUE assignments. A
// STATUS= value is one line: newlines in `status` become spaces.
std::string ready_message(const std::string& status);
// RELOADING=1 with MONOTONIC_USEC=, the CLOCK_MONOTONIC time the reload
// started, which systemd >= 253 requires to tell this reload from an older one.
std::string reloading_message(std::chrono::microseconds monotonic_now);
std::string stopping_message(const std::string& status);
std::string status_message(const std::string& status);

}  // namespace troupe::ops
