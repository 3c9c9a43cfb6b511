// Synchronous delivery of the daemon's control signals. Constructing a
// `control_signals` blocks SIGINT, SIGTERM and SIGHUP in the calling thread;
// threads started afterwards inherit the mask, so the signals reach the
// process only through `wait()`. Construct it in main() before any thread
// starts; the destructor restores the previous mask. Not copyable.
#pragma once

#include <signal.h>

namespace troupe {

class control_signals {
 public:
  control_signals();
  ~control_signals();
  control_signals(const control_signals&) = delete;
  control_signals& operator=(const control_signals&) = delete;

  // Blocks until one of the signals arrives and returns its number.
  int wait();

 private:
  sigset_t blocked_;
  sigset_t previous_;
};

} // namespace troupe
