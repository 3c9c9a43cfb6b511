#include "output.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <ctime>
#include <string>

namespace troupe::sim_driver {

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

void emit(const boost::json::object& line) {
  write_all(STDOUT_FILENO, boost::json::serialize(line) + "\n");
}

void log_to_stderr(std::string_view text) {
  write_all(STDERR_FILENO, "sim-driver: " + std::string(text) + "\n");
}

std::string hex(std::uint64_t value) {
  static const char digits[] = "0123456789abcdef";
  std::string text(16, '0');
  for (int i = 15; i >= 0; --i, value >>= 4) text[static_cast<std::size_t>(i)] = digits[value & 15];
  return text;
}

void sleep_ms(double milliseconds) {
  if (!(milliseconds > 0)) return;
  const double whole_seconds = std::floor(milliseconds / 1000);
  timespec remaining{static_cast<time_t>(whole_seconds),
                     static_cast<long>((milliseconds - whole_seconds * 1000) * 1e6)};
  while (::nanosleep(&remaining, &remaining) != 0 && errno == EINTR) {
  }
}

} // namespace troupe::sim_driver
