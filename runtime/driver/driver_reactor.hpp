// One I/O thread that watches every driver started through it (epoll over
// their stdout and stderr pipes and pidfds): it reads their output, relays
// progress lines, writes the session logs, enforces timeouts, cancels and
// kill graces, reaps, and reports how each run ended. It also opens the
// session logs and spawns the drivers, so nothing of a run blocks the
// thread that asks for it, and no run has a thread of its own. Callbacks run on the reactor's
// thread: they must be quick (send a message, signal a waiter); an exception from one is swallowed,
// so a misbehaving run never stops the others. Requires Linux >= 5.3 (pidfd). Thread-safe: start()
// may be called from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

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

  // Has `invocation` started on the reactor's thread (its session log
  // opened, the driver spawned) unless `cancel` is cancelled by then, and
  // returns at once. `on_progress` is called for each progress line and
  // then, once, `on_finished` with the outcome: when the driver's group is
  // gone and its leader reaped, or when no driver could start (cancelled
  // before, a session log that cannot be opened, a failed spawn). The
  // reactor shares ownership of `cancel` (null: never cancelled) until then.
  void start(driver_invocation invocation, std::shared_ptr<const cancel_token> cancel,
             progress_callback on_progress, finished_callback on_finished);

  // Returns how many drivers it watches now.
  std::size_t running() const;

 private:
  class loop;
  std::unique_ptr<loop> loop_;
};

}  // namespace troupe::driver
