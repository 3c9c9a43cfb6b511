#include "runtime/driver/stdout_protocol.hpp"

#include <boost/json.hpp>
#include <utility>

namespace troupe::driver {
namespace {

bool is_progress(const boost::json::object& line) {
  const auto* event = line.if_contains("event");
  return event != nullptr && event->is_string() && event->get_string() == "progress";
}

const boost::json::object* result_of(const boost::json::object& line) {
  const auto* result = line.if_contains("result");
  return result != nullptr ? result->if_object() : nullptr;
}

} // namespace

stdout_protocol::stdout_protocol(std::size_t capture_budget, progress_callback on_progress)
    : capture_budget_(capture_budget), on_progress_(std::move(on_progress)) {}

void stdout_protocol::consume(std::string_view chunk) {
  total_bytes_ += chunk.size();
  if (truncated_) return;
  pending_.append(chunk);
  std::size_t line_start = 0;
  for (auto newline = pending_.find('\n'); newline != std::string::npos;
       newline = pending_.find('\n', line_start)) {
    const auto line_bytes = newline + 1 - line_start;
    if (captured_bytes_ + line_bytes > capture_budget_) {
      stop_capturing();
      return;
    }
    captured_bytes_ += line_bytes;
    interpret(std::string_view(pending_).substr(line_start, newline - line_start));
    line_start = newline + 1;
  }
  pending_.erase(0, line_start);
  if (captured_bytes_ + pending_.size() > capture_budget_) stop_capturing();
}

void stdout_protocol::finish() {
  if (truncated_ || pending_.empty()) return;
  captured_bytes_ += pending_.size();
  interpret(pending_);
  pending_.clear();
}

void stdout_protocol::interpret(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return;
  boost::json::error_code parse_error;
  const auto parsed = boost::json::parse(line, parse_error);
  const auto* object = parse_error ? nullptr : parsed.if_object();
  if (object != nullptr && is_progress(*object)) {
    ++progress_lines_;
    if (on_progress_) on_progress_(std::string(line));
  } else if (const auto* result = object != nullptr ? result_of(*object) : nullptr) {
    result_json_ = boost::json::serialize(*result);
  } else {
    ++malformed_lines_;
  }
}

void stdout_protocol::stop_capturing() {
  truncated_ = true;
  std::string().swap(pending_);  // give the memory back
}

} // namespace troupe::driver
