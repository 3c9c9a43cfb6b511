// Byte classes of the ASCII range, locale-free: text from an LLM or a
// platform is UTF-8, and <cctype> would depend on the process's locale.
#pragma once

namespace troupe::content {

inline bool is_ascii_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace troupe::content
