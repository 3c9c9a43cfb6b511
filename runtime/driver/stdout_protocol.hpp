// Reads a driver's stdout as the contract's JSON lines: each
// {"event":"progress",...} line goes to the progress callback as it
// arrives, the last {"result":{...}} line's object is kept, and anything
// else (invalid JSON, other shapes) is counted as malformed and otherwise
// ignored. At most `capture_budget` bytes are interpreted and held in
// memory; past that, output is only counted and `truncated()` turns true.
// Lines may span chunks; blank lines are ignored; "\r\n" is accepted.
// Not thread-safe: one owner (the run).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace troupe::driver {

using progress_callback = std::function<void(const std::string& progress_json)>;

class stdout_protocol {
 public:
  stdout_protocol(std::size_t capture_budget, progress_callback on_progress);

  // Interprets a chunk of stdout.
  void consume(std::string_view chunk);
  // Interprets the last line when it has no final newline; call it at EOF.
  void finish();

  const std::optional<std::string>& result_json() const { return result_json_; }
  std::size_t progress_lines() const { return progress_lines_; }
  std::size_t malformed_lines() const { return malformed_lines_; }
  std::size_t total_bytes() const { return total_bytes_; }
  std::size_t captured_bytes() const { return captured_bytes_; }
  bool truncated() const { return truncated_; }

 private:
  void interpret(std::string_view line);
  void stop_capturing();

  std::size_t capture_budget_;
  progress_callback on_progress_;
  std::string pending_;  // the unfinished last line
  std::optional<std::string> result_json_;
  std::size_t progress_lines_ = 0;
  std::size_t malformed_lines_ = 0;
  std::size_t total_bytes_ = 0;
  std::size_t captured_bytes_ = 0;  // bytes of complete lines interpreted
  bool truncated_ = false;
};

} // namespace troupe::driver
