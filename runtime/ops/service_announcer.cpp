#include "runtime/ops/service_announcer.hpp"

#include <spdlog/spdlog.h>
#include <time.h>
#include <unistd.h>

#include <thread>

namespace troupe::ops {
namespace {

// How long one readiness probe may take before it is asked again.
constexpr std::chrono::seconds readiness_probe_bound{1};

// CLOCK_MONOTONIC, the clock of systemd's MONOTONIC_USEC=.
std::chrono::microseconds monotonic_now() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return std::chrono::seconds(now.tv_sec) + std::chrono::duration_cast<std::chrono::microseconds>(
                                                std::chrono::nanoseconds(now.tv_nsec));
}

service_notifier notifier_from(const char* notify_socket) {
  auto notifier = service_notifier::for_address(notify_socket);
  if (notifier) return std::move(notifier).value();
  spdlog::warn("not telling systemd how the service is doing: {}", notifier.failure().message);
  return {};
}

}  // namespace

service_announcer::service_announcer(const environment_lookup& lookup)
    : notifier_(notifier_from(lookup("NOTIFY_SOCKET"))),
      watchdog_(watchdog_timing_from(lookup("WATCHDOG_USEC"), lookup("WATCHDOG_PID"), ::getpid())) {
}

bool service_announcer::announce_ready(liveness_probe alive, status_source status,
                                       std::chrono::milliseconds limit) {
  if (!enabled()) return false;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!alive(readiness_probe_bound)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      spdlog::critical(
          "the actor tree did not answer within {} ms; not telling systemd it is ready",
          limit.count());
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  send(ready_message(status(readiness_probe_bound)));
  alive_ = std::move(alive);
  status_ = std::move(status);
  return true;
}

std::unique_ptr<service_watchdog> service_announcer::start_watchdog() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!watchdog_ || !alive_) return nullptr;
  spdlog::info(
      "watchdog: pinging systemd every {} ms while the actor tree answers within {} ms",
      std::chrono::duration_cast<std::chrono::milliseconds>(watchdog_->ping_interval).count(),
      watchdog_->probe_bound.count());
  return std::make_unique<service_watchdog>(notifier_, *watchdog_, alive_, status_);
}

void service_announcer::reload_started() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (status_) send(reloading_message(monotonic_now()));
}

void service_announcer::reload_finished() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (status_) send(ready_message(status_(readiness_probe_bound)));
}

void service_announcer::stopping(const std::string& why) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!enabled()) return;
  send(stopping_message(why));
  alive_ = nullptr;
  status_ = nullptr;
}

void service_announcer::send(const std::string& message) {
  if (auto sent = notifier_.notify(message); !sent) spdlog::warn("{}", sent.failure().message);
}

}  // namespace troupe::ops
