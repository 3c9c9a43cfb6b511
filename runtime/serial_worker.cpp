#include "runtime/serial_worker.hpp"

#include <utility>

namespace troupe {

serial_worker::serial_worker(std::size_t max_queued)
    : max_queued_(max_queued), thread_([this] { run(); }) {}

serial_worker::~serial_worker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool serial_worker::post(task work) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(work));
  }
  wake_.notify_one();
  return true;
}

void serial_worker::run() {
  for (;;) {
    task next;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      next();
    } catch (...) {
      // Abandoned: one broken task must not stop the tasks queued after it.
    }
  }
}

}  // namespace troupe
