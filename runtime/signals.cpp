#include "runtime/signals.hpp"

#include <pthread.h>


namespace troupe {

control_signals::control_signals() {
  sigemptyset(&blocked_);
  sigaddset(&blocked_, SIGINT);
  sigaddset(&blocked_, SIGTERM);
  sigaddset(&blocked_, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &blocked_, &previous_);
}

control_signals::~control_signals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

int control_signals::wait() {
  int signal_number = 0;
  while (sigwait(&blocked_, &signal_number) != 0) {
  }
  return signal_number;
}

} // namespace troupe
