// Test support: a unix datagram socket listening in systemd's place, named
// like $NOTIFY_SOCKET (a path, or an abstract name starting with '@'). A
// thread of its own keeps every datagram with the time it came, so tests can
// look at their order and their rate. RAII: the destructor stops the thread,
// closes the socket and removes a path socket's file.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace troupe::testing {

// CLOCK_MONOTONIC in microseconds, the clock of systemd's MONOTONIC_USEC=.
inline std::int64_t monotonic_usec() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
}

struct notify_datagram {
  std::string text;
  std::chrono::steady_clock::time_point at;

  // Returns true iff one of the datagram's lines is exactly `line`.
  bool has_line(const std::string& line) const {
    std::istringstream lines(text);
    for (std::string each; std::getline(lines, each);) {
      if (each == line) return true;
    }
    return false;
  }

  // The value of the NAME= assignment, if the datagram has one.
  std::optional<std::string> value_of(const std::string& name) const {
    std::istringstream lines(text);
    for (std::string each; std::getline(lines, each);) {
      if (each.compare(0, name.size() + 1, name + "=") == 0) return each.substr(name.size() + 1);
    }
    return std::nullopt;
  }
};

class notify_listener {
 public:
  explicit notify_listener(std::string address) : address_(std::move(address)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un where{};
    where.sun_family = AF_UNIX;
    std::memcpy(where.sun_path, address_.data(), address_.size());
    if (address_.front() == '@') where.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&where), length) != 0) {
      if (fd_ >= 0) ::close(fd_);
      throw std::runtime_error("notify_listener: cannot bind " + address_);
    }
    reader_ = std::thread([this] { read_loop(); });
  }
  ~notify_listener() {
    reading_ = false;
    reader_.join();
    ::close(fd_);
    if (address_.front() == '/') ::unlink(address_.c_str());
  }
  notify_listener(const notify_listener&) = delete;
  notify_listener& operator=(const notify_listener&) = delete;

  const std::string& address() const { return address_; }

  std::vector<notify_datagram> received() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }

  // The index of the first datagram from index `from` on with the line
  // `line`, waiting up to `limit` for it; nullopt if none came.
  std::optional<std::size_t> wait_for_line(const std::string& line, std::size_t from,
                                           std::chrono::milliseconds limit) const {
    std::unique_lock<std::mutex> lock(mutex_);
    std::optional<std::size_t> found;
    arrived_.wait_for(lock, limit, [&] {
      for (std::size_t i = from; i < received_.size(); ++i) {
        if (received_[i].has_line(line)) {
          found = i;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  // How many datagrams from index `from` on have the line `line`.
  std::size_t count_line(const std::string& line, std::size_t from = 0) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t count = 0;
    for (std::size_t i = from; i < received_.size(); ++i)
      count += received_[i].has_line(line) ? 1 : 0;
    return count;
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_.size();
  }

 private:
  // Polls so that the destructor is seen within 20 ms.
  void read_loop() {
    char buffer[4096];
    while (reading_) {
      pollfd ready{fd_, POLLIN, 0};
      if (::poll(&ready, 1, 20) <= 0) continue;
      const auto got = ::recv(fd_, buffer, sizeof buffer, 0);
      if (got < 0) continue;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        received_.push_back(
            {std::string(buffer, static_cast<std::size_t>(got)), std::chrono::steady_clock::now()});
      }
      arrived_.notify_all();
    }
  }

  std::string address_;
  int fd_ = -1;
  std::atomic<bool> reading_{true};
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<notify_datagram> received_;  // guarded by mutex_
  std::thread reader_;                     // last: starts once the members above exist
};

}  // namespace troupe::testing
