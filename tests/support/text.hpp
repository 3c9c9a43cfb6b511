// Small text checks the tests share.
#pragma once

#include <string>

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// How many lines of `text` contain `part`.
inline std::size_t lines_containing(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  std::size_t line_start = 0;
  while (line_start < text.size()) {
    auto line_end = text.find('\n', line_start);
    if (line_end == std::string::npos) line_end = text.size();
    const auto found = text.find(part, line_start);
    if (found != std::string::npos && found + part.size() <= line_end) ++count;
    line_start = line_end + 1;
  }
  return count;
}
