#include "runtime/driver/session_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace troupe::driver {
namespace {

std::string_view prefix_of(output_stream stream) {
  return stream == output_stream::standard_output ? "[stdout] " : "[stderr] ";
}

} // namespace

result<session_log> session_log::open(const std::string& path, std::size_t output_cap) {
  if (path.empty()) return session_log(unique_fd(), output_cap);
  const auto directory = std::filesystem::path(path).parent_path();
  std::error_code ignored;  // a failure shows up as the open() error below
  if (!directory.empty()) std::filesystem::create_directories(directory, ignored);
  unique_fd file(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!file.valid()) {
    return error{"cannot open session log '" + path +
                 "': " + std::generic_category().message(errno)};
  }
  return session_log(std::move(file), output_cap);
}

session_log::session_log(unique_fd file, std::size_t output_cap)
    : file_(std::move(file)), output_cap_(output_cap) {}

void session_log::note(std::string_view text) {
  end_open_line();
  std::string line = "[troupe] ";
  line.append(text);
  line.push_back('\n');
  write_out(line);
}

void session_log::append(output_stream stream, std::string_view chunk) {
  if (!file_.valid() || chunk.empty()) return;
  if (capped_) return;
  const bool line_was_open = open_line_;
  std::string formatted;
  formatted.reserve(chunk.size() + 64);
  if (open_line_ && open_line_stream_ != stream) {
    formatted.push_back('\n');  // the other stream's unfinished line ends here
    open_line_ = false;
  }
  std::size_t position = 0;
  while (position < chunk.size()) {
    if (!open_line_) {
      formatted.append(prefix_of(stream));
      open_line_ = true;
      open_line_stream_ = stream;
    }
    const auto newline = chunk.find('\n', position);
    const auto end = newline == std::string_view::npos ? chunk.size() : newline + 1;
    formatted.append(chunk.substr(position, end - position));
    if (newline != std::string_view::npos) open_line_ = false;
    position = end;
  }
  const auto room = output_cap_ - output_bytes_;
  if (formatted.size() <= room) {
    output_bytes_ += formatted.size();
    write_out(formatted);
    return;
  }
  write_out(std::string_view(formatted).substr(0, room));
  output_bytes_ = output_cap_;
  capped_ = true;
  open_line_ = room > 0 ? formatted[room - 1] != '\n' : line_was_open;
  note("output cap of " + std::to_string(output_cap_) + " bytes reached; the rest is discarded");
}

void session_log::end_open_line() {
  if (!open_line_) return;
  write_out("\n");
  open_line_ = false;
}

void session_log::write_out(std::string_view bytes) {
  if (!file_.valid() || !write_error_.empty()) return;
  while (!bytes.empty()) {
    const auto written = ::write(file_.get(), bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      write_error_ = "session log write failed: " + std::generic_category().message(errno);
      return;
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

} // namespace troupe::driver
