#include "runtime/driver/cancel_token.hpp"

#include <algorithm>

namespace troupe::driver {

cancel_subscription& cancel_subscription::operator=(cancel_subscription&& other) noexcept {
  if (this != &other) {
    reset();
    token_ = std::exchange(other.token_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

void cancel_subscription::reset() {
  if (token_ != nullptr) std::exchange(token_, nullptr)->unwatch(id_);
}

void cancel_token::cancel() {
  std::lock_guard<std::mutex> guard(lock_);
  if (cancelled_.exchange(true, std::memory_order_acq_rel)) return;
  // Called under the lock, so that a subscription destroyed on another
  // thread is either called before its destructor returns or never.
  for (auto& entry : watchers_) entry.on_cancel();
  watchers_.clear();
}

cancel_subscription cancel_token::watch(std::function<void()> on_cancel) const {
  std::lock_guard<std::mutex> guard(lock_);
  if (cancelled()) {
    on_cancel();
    return {};
  }
  const auto id = next_id_++;
  watchers_.push_back(watcher{id, std::move(on_cancel)});
  return cancel_subscription(this, id);
}

void cancel_token::unwatch(std::uint64_t id) const {
  std::lock_guard<std::mutex> guard(lock_);
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(),
                                 [id](const watcher& entry) { return entry.id == id; }),
                  watchers_.end());
}

}  // namespace troupe::driver
