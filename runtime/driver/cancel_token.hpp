// A request, from any thread, that a running driver stop. Whoever watches
// a run subscribes with `watch()` and is called back once, on the
// cancelling thread, when `cancel()` comes; the run then stops the driver
// like a timeout (SIGTERM to its group, SIGKILL after the grace). A token
// holds no file descriptor, so an idle account's token costs only memory.
// Once cancelled, a token stays cancelled. Thread-safe: every member may be
// called concurrently from any thread. Not copyable; share it by reference
// or pointer, and let it outlive every subscription to it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace troupe::driver {

class cancel_token;

// A watch on a cancel token: while it lives, the token's cancel() calls its
// callback (at most once). Destroying it ends the watch; after the
// destructor returns the callback is never called. Move-only.
class cancel_subscription {
 public:
  cancel_subscription() = default;
  ~cancel_subscription() { reset(); }
  cancel_subscription(cancel_subscription&& other) noexcept
      : token_(std::exchange(other.token_, nullptr)), id_(other.id_) {}
  cancel_subscription& operator=(cancel_subscription&& other) noexcept;
  cancel_subscription(const cancel_subscription&) = delete;
  cancel_subscription& operator=(const cancel_subscription&) = delete;

  // Ends the watch, if any.
  void reset();

 private:
  friend class cancel_token;
  cancel_subscription(const cancel_token* token, std::uint64_t id) : token_(token), id_(id) {}

  const cancel_token* token_ = nullptr;
  std::uint64_t id_ = 0;
};

class cancel_token {
 public:
  cancel_token() = default;
  cancel_token(const cancel_token&) = delete;
  cancel_token& operator=(const cancel_token&) = delete;

  // Asks every run watching this token to stop. Idempotent: the callbacks
  // run once, on this thread, before it returns.
  void cancel();
  // Returns true iff cancel() has been called.
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  // Calls `on_cancel` when cancel() comes, or at once (on this thread) when
  // it already came. `on_cancel` must be quick and must not touch this
  // token: it runs under the token's lock.
  [[nodiscard]] cancel_subscription watch(std::function<void()> on_cancel) const;

 private:
  friend class cancel_subscription;
  struct watcher {
    std::uint64_t id;
    std::function<void()> on_cancel;
  };
  void unwatch(std::uint64_t id) const;

  std::atomic<bool> cancelled_{false};
  mutable std::mutex lock_;                // guards watchers_ and next_id_
  mutable std::vector<watcher> watchers_;  // emptied by cancel()
  mutable std::uint64_t next_id_ = 1;
};

}  // namespace troupe::driver
