// A run of failures of something that retries on its own (the store's
// flushes, a cluster node's heartbeats). An operator should see its first
// failure at once, then a reminder at most once per interval while it lasts
// (a database away for an hour otherwise shows one line and then silence,
// or a line per attempt), and its end. A plain value; times are any
// monotonic milliseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace troupe {

class failure_streak {
 public:
  static constexpr std::int64_t default_reminder_ms = 60'000;

  explicit failure_streak(std::int64_t reminder_ms = default_reminder_ms)
      : reminder_ms_(reminder_ms) {}

  enum class log_as { first, reminder, nothing };

  // Counts a failure at `now_ms` and says how to log it.
  log_as failed(std::int64_t now_ms);
  // Counts a failure of `what` ("writes") at `now_ms` and returns the line
  // to log, if any: "MESSAGE; will retry" at the run's first, then
  // "WHAT still failing after N s (A attempts, DETAIL): MESSAGE".
  std::optional<std::string> failure_line(std::int64_t now_ms, std::string_view what,
                                          const std::string& message,
                                          std::string_view detail = {});
  // Ends the run, if one was going; returns how many failures it had (0: none).
  std::int64_t succeeded();

  bool failing() const { return failures_ > 0; }
  std::int64_t failures() const { return failures_; }
  // How long the run has lasted at `now_ms` (0 when none is going).
  std::int64_t lasted_ms(std::int64_t now_ms) const { return failing() ? now_ms - since_ms_ : 0; }

 private:
  std::int64_t reminder_ms_;
  std::int64_t failures_ = 0;
  std::int64_t since_ms_ = 0;        // the run's first failure
  std::int64_t last_logged_ms_ = 0;  // its latest line
};

}  // namespace troupe
