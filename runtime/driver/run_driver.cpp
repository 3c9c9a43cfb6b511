#include "runtime/driver/run_driver.hpp"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/driver/driver_reactor.hpp"

namespace troupe::driver {
namespace {

// What the reactor's thread hands to the waiting caller: progress lines in
// order, then the outcome.
class run_mailbox {
 public:
  void post_progress(const std::string& line) {
    std::lock_guard<std::mutex> guard(lock_);
    progress_.push_back(line);
    arrived_.notify_one();
  }

  void post_outcome(driver_outcome outcome) {
    std::lock_guard<std::mutex> guard(lock_);
    outcome_ = std::move(outcome);
    arrived_.notify_one();
  }

  // Waits for the next progress line (returned) or the outcome (stored in
  // `outcome`, with nullopt returned).
  std::optional<std::string> next(std::optional<driver_outcome>& outcome) {
    std::unique_lock<std::mutex> guard(lock_);
    arrived_.wait(guard, [&] { return !progress_.empty() || outcome_; });
    if (!progress_.empty()) {
      auto line = std::move(progress_.front());
      progress_.pop_front();
      return line;
    }
    outcome = std::move(outcome_);
    return std::nullopt;
  }

 private:
  std::mutex lock_;
  std::condition_variable arrived_;
  std::deque<std::string> progress_;
  std::optional<driver_outcome> outcome_;
};

driver_outcome await_outcome(run_mailbox& mailbox, const progress_callback& on_progress) {
  std::optional<driver_outcome> outcome;
  while (auto line = mailbox.next(outcome)) {
    if (on_progress) on_progress(*line);
  }
  return std::move(*outcome);
}

void drain_to_outcome(run_mailbox& mailbox) { static_cast<void>(await_outcome(mailbox, nullptr)); }

}  // namespace

driver_outcome run_driver(const driver_invocation& invocation, const progress_callback& on_progress,
                          const cancel_token& cancel) {
  // The run watches a token of its own, so that a throwing on_progress can
  // stop it; the caller's token cancels it too.
  auto stop = std::make_shared<cancel_token>();
  const auto forward_cancel = cancel.watch([stop] { stop->cancel(); });
  auto mailbox = std::make_shared<run_mailbox>();
  driver_reactor::shared().start(
      invocation, stop, [mailbox](const std::string& line) { mailbox->post_progress(line); },
      [mailbox](driver_outcome outcome) { mailbox->post_outcome(std::move(outcome)); });
  try {
    return await_outcome(*mailbox, on_progress);
  } catch (...) {
    stop->cancel();
    drain_to_outcome(*mailbox);
    throw;
  }
}

}  // namespace troupe::driver
