// Runs posted tasks one at a time, in the order posted, on a thread of its
// own: for work that may block (SQL, reading files) and so must stay off the
// HTTP I/O thread, CAF's scheduler and the signal loop. Thread-safe: any
// thread may post. RAII: the destructor runs the tasks already queued, then
// joins the thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace troupe {

class serial_worker {
 public:
  using task = std::function<void()>;

  // At most `max_queued` tasks wait at a time.
  explicit serial_worker(std::size_t max_queued);
  ~serial_worker();
  serial_worker(const serial_worker&) = delete;
  serial_worker& operator=(const serial_worker&) = delete;

  // Queues `work` and returns true; returns false without queuing it when
  // `max_queued` tasks wait already. A task that throws is abandoned: the
  // tasks after it still run.
  bool post(task work);

 private:
  void run();

  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<task> queue_;  // guarded by mutex_
  bool stopping_ = false;   // guarded by mutex_
  std::thread thread_;      // last: starts once the members above exist
};

}  // namespace troupe
