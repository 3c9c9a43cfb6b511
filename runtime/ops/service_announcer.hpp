// `troupe run`'s conversation with systemd as a Type=notify service:
// READY=1 once the actor tree answers, RELOADING=1 and READY=1 around each
// reload, STOPPING=1 when the drain starts, each with a STATUS= line, and
// the watchdog thread when systemd asks for one (WatchdogSec=). Reads
// NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID once, when constructed;
// without NOTIFY_SOCKET every call does nothing. A message that cannot be
// sent is logged, never fatal: systemd's own timeouts deal with a process
// that stays silent. Thread-safe (the reload calls come from the config
// reloader's thread); not copyable.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/ops/service_notifier.hpp"
#include "runtime/ops/service_status.hpp"
#include "runtime/ops/service_watchdog.hpp"

namespace troupe::ops {

class service_announcer {
 public:
  // Reads one environment variable: its value, or nullptr when unset.
  using environment_lookup = std::function<const char*(const char*)>;

  // For this process, with the variables as `lookup` reads them; an unusable
  // NOTIFY_SOCKET is logged and leaves the announcer disabled.
  explicit service_announcer(const environment_lookup& lookup);
  service_announcer(const service_announcer&) = delete;
  service_announcer& operator=(const service_announcer&) = delete;

  // Returns true iff the messages go to systemd.
  bool enabled() const { return notifier_.enabled(); }

  // Waits until `alive` answers (asking each second, for at most `limit`),
  // then sends READY=1 with `status`'s line, and keeps both for the reloads
  // and the watchdog. Returns false having sent nothing when disabled, or
  // when the tree did not answer in time (systemd's start timeout then
  // stops the process).
  bool announce_ready(liveness_probe alive, status_source status, std::chrono::milliseconds limit);

  // The watchdog, pinging from now on, when systemd asked for one and
  // READY=1 was sent; null otherwise. It must end before the tree it probes.
  std::unique_ptr<service_watchdog> start_watchdog();

  // RELOADING=1 (with MONOTONIC_USEC=) when a reload starts; READY=1 with a
  // fresh STATUS= when it has ended, whatever its result. Neither is sent
  // before READY=1 nor after STOPPING=1.
  void reload_started();
  void reload_finished();

  // STOPPING=1 with `why` as the STATUS= line. After it the tree is no
  // longer asked anything (it may be stopping).
  void stopping(const std::string& why);

 private:
  void send(const std::string& message);

  service_notifier notifier_;
  std::optional<watchdog_timing> watchdog_;
  std::mutex mutex_;
  liveness_probe alive_;  // guarded by mutex_: set once ready, cleared when stopping
  status_source status_;  // guarded by mutex_: likewise
};

}  // namespace troupe::ops
