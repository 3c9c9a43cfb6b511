// A NUL byte cannot pass through execve(): an argument or environment entry
// that holds one would be cut short silently, so it is refused instead.
#pragma once

#include <string>

namespace troupe::driver {

inline bool has_nul(const std::string& text) { return text.find('\0') != std::string::npos; }

}  // namespace troupe::driver
