// A request, from any thread, that a running driver stop. The run's poll
// loop watches `fd()`, so a cancel wakes it at once; the run then stops the
// driver like a timeout (SIGTERM to its group, SIGKILL after the grace).
// Once cancelled, a token stays cancelled. Thread-safe: `cancel()` and
// `cancelled()` may be called concurrently from any thread. Not copyable;
// share it by reference or pointer for the duration of the run.
#pragma once

#include <atomic>

#include "runtime/driver/unique_fd.hpp"

namespace troupe::driver {

class cancel_token {
 public:
  // Throws std::system_error only when the process cannot get one more file
  // descriptor (an eventfd); that is resource exhaustion, not an input error.
  cancel_token();
  cancel_token(const cancel_token&) = delete;
  cancel_token& operator=(const cancel_token&) = delete;

  // Asks every run watching this token to stop. Idempotent.
  void cancel();
  // Returns true iff cancel() has been called.
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  // A descriptor that becomes readable once cancel() has been called.
  int fd() const { return wakeup_.get(); }

 private:
  unique_fd wakeup_;  // an eventfd; never drained, so it stays readable
  std::atomic<bool> cancelled_{false};
};

} // namespace troupe::driver
