// One I/O thread that watches every driver started through it (epoll over
// their stdout and stderr pipes and pidfds): it reads their output, relays
// progress lines, writes the session logs, enforces timeouts, cancels and
// kill graces, reaps, and reports how each run ended. A driver is spawned
// on the thread that starts it (posix_spawn returns once it has exec'd);
// nothing else of a run blocks its caller, and no run has a thread of its
// own. Callbacks run on the reactor's thread: they must be quick (send a
// message, signal a waiter); an exception from one is swallowed, so a
// misbehaving run never stops the others. Requires Linux >= 5.3 (pidfd).
// Thread-safe: start() may be called from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>

#include "runtime/driver/cancel_token.hpp"
#include "runtime/driver/invocation.hpp"
#include "runtime/driver/outcome.hpp"
#include "runtime/driver/stdout_protocol.hpp"

namespace troupe::driver {

using finished_callback = std::function<void(driver_outcome outcome)>;

class driver_reactor {
 public:
  // The process's reactor: started on first use, stopped at exit.
  static driver_reactor& shared();

  // Starts the thread. Throws std::system_error when the process cannot
  // get an epoll instance, an eventfd or a thread (resource exhaustion).
  driver_reactor();
  // Stops the thread; drivers still running are killed and reaped without
  // a report.
  ~driver_reactor();
  driver_reactor(const driver_reactor&) = delete;
  driver_reactor& operator=(const driver_reactor&) = delete;

  // Starts `invocation` unless `cancel` is already cancelled. Returns the
  // outcome at once when no driver started (cancelled before, a session log
  // that cannot be opened, a failed spawn). Otherwise returns nullopt and
  // calls `on_progress` for each progress line and then, once, `on_finished`
  // when the driver's group is gone and its leader reaped. The reactor
  // shares ownership of `cancel` (which may be null: never cancelled) until
  // then.
  std::optional<driver_outcome> start(const driver_invocation& invocation,
                                      std::shared_ptr<const cancel_token> cancel,
                                      progress_callback on_progress, finished_callback on_finished);

  // Returns how many drivers it watches now.
  std::size_t running() const;

 private:
  class loop;
  std::unique_ptr<loop> loop_;
};

}  // namespace troupe::driver
