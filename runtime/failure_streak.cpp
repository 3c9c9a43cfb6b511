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

std::optional<std::string> failure_streak::failure_line(std::int64_t now_ms, std::string_view what,
                                                       const std::string& message,
                                                       std::string_view detail) {
  switch (failed(now_ms)) {
    case log_as::first:
      return message + "; will retry";
    case log_as::reminder: {
      auto line = std::string(what) + " still failing after " + std::to_string(lasted_ms(now_ms) / 1000) +
                  " s (" + std::to_string(failures_) + " attempts";
      if (!detail.empty()) line.append(", ").append(detail);
      return line + "): " + message;
    }
    case log_as::nothing:
      break;
  }
  return std::nullopt;
}

std::int64_t failure_streak::succeeded() {
  const auto ended = failures_;
  failures_ = 0;
  return ended;
}

}  // namespace troupe
