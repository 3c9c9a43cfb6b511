#include "runtime/http/query_worker.hpp"

namespace troupe::http {

query_worker::query_worker(std::string url, int busy_timeout_ms, std::size_t max_queued)
    : url_(std::move(url)), busy_timeout_ms_(busy_timeout_ms), worker_(max_queued) {}

void query_worker::post(task work) {
  if (worker_.post([this, work] { run(work); })) return;
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

void query_worker::run(const task& work) {
  std::string problem;
  auto* db = connection(problem);
  try {
    work(db, problem);
  } catch (const std::exception&) {
    db_.reset();  // a broken connection is opened afresh for the next task
  }
}

}  // namespace troupe::http
