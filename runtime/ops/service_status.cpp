#include "runtime/ops/service_status.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace troupe::ops {
namespace {

// A whole number made of digits only (no sign, no spaces), or nullopt.
std::optional<std::uint64_t> parse_unsigned(const char* text) {
  if (text == nullptr || *text == '\0') return std::nullopt;
  const char* end = text + std::strlen(text);
  std::uint64_t value = 0;
  const auto [stop, problem] = std::from_chars(text, end, value);
  if (problem != std::errc() || stop != end) return std::nullopt;
  return value;
}

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

}  // namespace

std::optional<watchdog_timing> watchdog_timing_from(const char* watchdog_usec,
                                                    const char* watchdog_pid, long own_pid) {
  const auto usec = parse_unsigned(watchdog_usec);
  // Far beyond any WatchdogSec= and small enough for microseconds' arithmetic.
  constexpr std::uint64_t longest_usec = std::uint64_t{1} << 52;
  if (!usec || *usec == 0 || *usec > longest_usec) return std::nullopt;
  if (watchdog_pid != nullptr) {
    const auto pid = parse_unsigned(watchdog_pid);
    if (!pid || *pid != static_cast<std::uint64_t>(own_pid)) return std::nullopt;
  }
  watchdog_timing timing;
  timing.timeout = std::chrono::microseconds(static_cast<std::int64_t>(*usec));
  timing.ping_interval = timing.timeout / 2;
  timing.probe_bound =
      std::max(std::chrono::milliseconds(1),
               std::chrono::duration_cast<std::chrono::milliseconds>(timing.ping_interval / 2));
  return timing;
}

std::chrono::steady_clock::time_point next_ping_due(std::chrono::steady_clock::time_point due,
                                                    std::chrono::microseconds interval,
                                                    std::chrono::steady_clock::time_point now) {
  return std::max(due + interval, now);
}

std::string status_line(const tree_summary& summary, bool last_reload_failed) {
  auto line = fmt::format("{} pods, {}/{} permits in use, config version {}", summary.pods,
                          summary.permits_in_use, summary.permits_capacity, summary.config_version);
  if (summary.draining) line += ", draining";
  if (last_reload_failed) line += ", last reload failed";
  return line;
}

std::string not_answering_line(std::chrono::milliseconds bound) {
  return fmt::format("not answering: the supervisor or the store took over {} ms", bound.count());
}

std::string ready_message(const std::string& status) {
  return "READY=1\nSTATUS=" + one_line(status);
}

std::string reloading_message(std::chrono::microseconds monotonic_now) {
  return fmt::format("RELOADING=1\nMONOTONIC_USEC={}", monotonic_now.count());
}

std::string stopping_message(const std::string& status) {
  return "STOPPING=1\nSTATUS=" + one_line(status);
}

std::string status_message(const std::string& status) { return "STATUS=" + one_line(status); }

}  // namespace troupe::ops
