#include "runtime/failure_streak.hpp"

namespace troupe {

failure_streak::log_as failure_streak::failed(std::int64_t now_ms) {
  if (failures_++ == 0) {
    since_ms_ = last_logged_ms_ = now_ms;
    return log_as::first;
  }
  if (now_ms - last_logged_ms_ < reminder_ms_) return log_as::nothing;
  last_logged_ms_ = now_ms;
  return log_as::reminder;
}

std::int64_t failure_streak::succeeded() {
  const auto ended = failures_;
  failures_ = 0;
  return ended;
}

}  // namespace troupe
