// Runs the API's database reads on a thread of their own, with a connection
// of their own, so that neither the HTTP I/O thread nor CAF's scheduler ever
// waits on SQL. Tasks run one at a time in the order posted. When the
// database cannot be opened a task gets nullptr and the reason (it answers
// 503); the next task tries to open it again. RAII: the destructor runs the
// tasks already queued (their clients get answers), then joins the thread.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "runtime/serial_worker.hpp"
#include "runtime/store/database.hpp"

namespace troupe::http {

class query_worker {
 public:
  // `db` is nullptr when the database is unreachable; `problem` says why.
  using task = std::function<void(store::database* db, const std::string& problem)>;

  query_worker(std::string url, int busy_timeout_ms, std::size_t max_queued = 1000);
  query_worker(const query_worker&) = delete;
  query_worker& operator=(const query_worker&) = delete;

  // Queues `work`; when too much is queued already it runs at once with
  // nullptr ("too many queued queries").
  void post(task work);

 private:
  // On the worker's thread: runs `work` with the connection.
  void run(const task& work);
  store::database* connection(std::string& problem);

  std::string url_;
  int busy_timeout_ms_;
  std::optional<store::database> db_;  // used on the worker's thread only
  serial_worker worker_;               // last: its queued tasks run while db_ lives
};

}  // namespace troupe::http
