#include "runtime/ops/service_watchdog.hpp"

#include <spdlog/spdlog.h>

namespace troupe::ops {

service_watchdog::service_watchdog(const service_notifier& notifier, watchdog_timing timing,
                                   liveness_probe alive, status_source status)
    : notifier_(notifier),
      timing_(timing),
      alive_(std::move(alive)),
      status_(std::move(status)),
      thread_([this] { run(); }) {}

service_watchdog::~service_watchdog() { stop(); }

void service_watchdog::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void service_watchdog::run() {
  auto due = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_until(lock, due, [this] { return stopping_; })) {
    lock.unlock();
    ping_if_alive();
    lock.lock();
    due = next_ping_due(due, timing_.ping_interval, std::chrono::steady_clock::now());
  }
}

void service_watchdog::ping_if_alive() {
  const bool answering = alive_(timing_.probe_bound);
  if (answering != tree_was_answering_) {
    if (answering) {
      spdlog::warn("watchdog: the actor tree answers again; pinging systemd again");
    } else {
      spdlog::error(
          "watchdog: the supervisor or the store did not answer within {} ms; not pinging systemd",
          timing_.probe_bound.count());
    }
    tree_was_answering_ = answering;
  }
  // The ping goes first and alone: the STATUS= line costs another request
  // to the tree, which must not delay it.
  auto sent = answering ? notifier_.notify("WATCHDOG=1") : status{};
  if (sent)
    sent = notifier_.notify(status_message(answering ? status_(timing_.probe_bound)
                                                     : not_answering_line(timing_.probe_bound)));
  if (!sent && !last_send_failed_) spdlog::warn("watchdog: {}", sent.failure().message);
  last_send_failed_ = !sent;
}

}  // namespace troupe::ops
