#include "runtime/http/query_worker.hpp"

namespace troupe::http {

query_worker::query_worker(std::string url, int busy_timeout_ms, std::size_t max_queued)
    : url_(std::move(url)), busy_timeout_ms_(busy_timeout_ms), max_queued_(max_queued), thread_([this] { run(); }) {}

query_worker::~query_worker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void query_worker::post(task work) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_ && queue_.size() < max_queued_) {
      queue_.push_back(std::move(work));
      wake_.notify_one();
      return;
    }
  }
  work(nullptr, "too many queued queries");
}

store::database* query_worker::connection(std::string& problem) {
  if (db_) return &*db_;
  auto opened = store::database::open(url_, busy_timeout_ms_);
  if (!opened) {
    problem = opened.failure().message;
    return nullptr;
  }
  db_.emplace(std::move(opened).value());
  return &*db_;
}

void query_worker::run() {
  for (;;) {
    task next;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    std::string problem;
    auto* db = connection(problem);
    try {
      next(db, problem);
    } catch (const std::exception&) {
      db_.reset();  // a broken connection is opened afresh for the next task
    }
  }
}

}  // namespace troupe::http
