// How the simulated driver writes and waits. Lines go to stdout with one
// write(2) each, unbuffered: a forked grandchild cannot duplicate pending
// output, and a line is never split by a kill. Not thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace troupe::sim_driver {

// Writes all of `bytes` to `fd`; returns false if the write failed.
bool write_all(int fd, std::string_view bytes);
// Writes `line` plus a newline to stdout.
void emit(const boost::json::object& line);
// Writes a line to stderr (what a real driver would log).
void log_to_stderr(std::string_view text);
// `value` as 16 lowercase hex digits (the simulated platform's ids).
std::string hex(std::uint64_t value);
// Sleeps `milliseconds` (fractional), resuming after signal interruptions.
void sleep_ms(double milliseconds);

} // namespace troupe::sim_driver
