// systemd's watchdog for `troupe run`, on a thread of its own: every ping
// interval (half WATCHDOG_USEC) it asks the liveness probe whether the
// actor tree answers within the probe bound, and only then sends
// WATCHDOG=1, followed by a fresh STATUS= line. While the tree does not
// answer it sends no ping, only a STATUS= saying so, so that systemd
// restarts a wedged process once WatchdogSec= has passed. RAII: the thread
// starts in the constructor; stop() (or the destructor) wakes it through a
// condition variable, so it returns within one probe, and joins it. Not
// copyable; stop() is for the owner's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/ops/service_notifier.hpp"
#include "runtime/ops/service_status.hpp"

namespace troupe::ops {

// Returns true iff the tree answered within `bound`.
using liveness_probe = std::function<bool(std::chrono::milliseconds bound)>;
// The STATUS= line of the tree, asked with `bound`.
using status_source = std::function<std::string(std::chrono::milliseconds bound)>;

class service_watchdog {
 public:
  // Pings through `notifier` (which must outlive the watchdog), the first
  // time at once.
  service_watchdog(const service_notifier& notifier, watchdog_timing timing, liveness_probe alive,
                   status_source status);
  ~service_watchdog();
  service_watchdog(const service_watchdog&) = delete;
  service_watchdog& operator=(const service_watchdog&) = delete;

  // Stops the pings and joins the thread; does nothing the second time.
  void stop();

 private:
  void run();
  void ping_if_alive();

  const service_notifier& notifier_;
  const watchdog_timing timing_;
  const liveness_probe alive_;
  const status_source status_;
  bool tree_was_answering_ = true;  // the thread's own: the first failure of a run is logged
  bool last_send_failed_ = false;   // the thread's own: the first failure of a run is logged
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;     // last: starts once the members above exist
};

}  // namespace troupe::ops
