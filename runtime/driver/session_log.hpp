// The per-session log file of one driver run: the runtime's notes (the
// command, the environment's variable names but never their values, how the
// run ended) and every line of the driver's stdout and stderr, prefixed
// "[stdout] " or "[stderr] ". Output is kept up to a byte cap and then
// discarded, so a flooding driver cannot fill the disk; notes are always
// written. The file is opened for appending, so recovery steps of one
// session can share it. A disabled log (empty path) writes nothing.
// Not thread-safe: one owner (the run).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "runtime/driver/unique_fd.hpp"
#include "runtime/result.hpp"

namespace troupe::driver {

enum class output_stream { standard_output, standard_error };

class session_log {
 public:
  // Opens (creating it and its directories) the log at `path`, which will
  // keep at most `output_cap` bytes of driver output. An empty path gives a
  // disabled log.
  static result<session_log> open(const std::string& path, std::size_t output_cap);

  // Writes "[troupe] <text>" as a line of its own.
  void note(std::string_view text);
  // Writes a chunk of the driver's output; lines may span chunks.
  void append(output_stream stream, std::string_view chunk);

  // Returns true iff driver output was dropped because of the cap.
  bool capped() const { return capped_; }
  // The first write error, empty if none.
  const std::string& write_error() const { return write_error_; }

 private:
  session_log(unique_fd file, std::size_t output_cap);
  void end_open_line();
  void write_out(std::string_view bytes);

  unique_fd file_;  // invalid for a disabled log
  std::size_t output_cap_;
  std::size_t output_bytes_ = 0;  // output written, prefixes included
  bool capped_ = false;
  bool open_line_ = false;  // the last output line has no newline yet
  output_stream open_line_stream_ = output_stream::standard_output;
  std::string write_error_;
};

} // namespace troupe::driver
