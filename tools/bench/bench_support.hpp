// What every benchmark of tools/bench shares: its command line (sizes with
// defaults, --help), a stopwatch, the resident memory of this process, and
// figures printed the way a reader compares them ("412,000/s", "0.40").
// Header-only, since each benchmark is one executable of one .cpp. Plain
// functions and values; thread-safe as values are.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <caf/actor_system_config.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace troupe::bench {

namespace options = boost::program_options;

// Parses `argc`/`argv` into the variables `described` binds. Returns an exit
// code when the program should stop now (0 after --help, 2 after a bad
// command line), nullopt when it should run.
inline std::optional<int> parse_command_line(int argc, char** argv, const std::string& what,
                                             options::options_description described) {
  described.add_options()("help", "print this help");
  options::variables_map values;
  try {
    options::store(options::parse_command_line(argc, argv, described), values);
    options::notify(values);
  } catch (const options::error& bad) {
    std::cerr << argv[0] << ": " << bad.what() << "\n" << described;
    return 2;
  }
  if (values.count("help") != 0) {
    std::cout << what << "\n\n" << described;
    return 0;
  }
  return std::nullopt;
}

// The settings every benchmark on CAF's real scheduler uses: two worker
// threads (this machine has 2 cores; CAF's default of 4 was slower here).
inline caf::actor_system_config& two_scheduler_threads(caf::actor_system_config& config) {
  config.set("scheduler.max-threads", 2);
  config.set("logger.inline-output", true);
  return config;
}

// Wall time since construction (or the last restart), in seconds.
class stopwatch {
 public:
  stopwatch() : start_(std::chrono::steady_clock::now()) {}
  void restart() { start_ = std::chrono::steady_clock::now(); }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// This process's resident set in bytes (/proc/self/statm), 0 if unreadable.
inline std::int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::int64_t total_pages = 0;
  std::int64_t resident_pages = 0;
  if (!(statm >> total_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<std::int64_t>(::sysconf(_SC_PAGESIZE));
}

// The median of `values` (the mean of the middle two for an even count);
// 0 for none. Takes a copy: it sorts.
inline double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

// `value` rounded to an integer with thousands separators: "1,020,000".
inline std::string grouped(double value) {
  const auto rounded = static_cast<long long>(std::llround(std::fabs(value)));
  std::string digits = std::to_string(rounded);
  for (auto at = static_cast<long>(digits.size()) - 3; at > 0; at -= 3) {
    digits.insert(static_cast<std::size_t>(at), ",");
  }
  return (value < 0 && rounded != 0 ? "-" : "") + digits;
}

// `value` with `decimals` digits after the point: "0.40".
inline std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// `measured / baseline` as "0.40", or "n/a" when the baseline is zero.
inline std::string ratio(double measured, double baseline) {
  return baseline == 0 ? std::string("n/a") : fixed(measured / baseline, 2);
}

}  // namespace troupe::bench
