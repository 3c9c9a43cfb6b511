// Sole owner of one POSIX file descriptor: closes it on destruction or
// reset. Move-only. Not thread-safe: one owner at a time.
#pragma once

#include <utility>

namespace troupe::driver {

class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  ~unique_fd() { reset(); }
  unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;

  // Returns the descriptor, or -1 when none is owned.
  int get() const { return fd_; }
  // Returns true iff a descriptor is owned.
  bool valid() const { return fd_ >= 0; }
  // Closes the owned descriptor, if any.
  void reset();

 private:
  int fd_ = -1;
};

} // namespace troupe::driver
