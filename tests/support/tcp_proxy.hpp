// A TCP proxy on 127.0.0.1 that a test can cut: every connection through it
// is reset and new ones are refused until it is restored, on the same port.
// From a client's side that is a database server gone away and back, for
// this test alone (other tests on the same server go on undisturbed).
#pragma once

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace troupe::testing {

class tcp_proxy {
 public:
  tcp_proxy(std::string target_host, std::string target_port)
      : target_host_(std::move(target_host)), target_port_(std::move(target_port)) {
    listen_on(0);
  }
  // Proxies what `listener` (a listening socket it takes over, e.g. one in
  // a test's network namespace) accepts; cut() ends it for good.
  tcp_proxy(std::string target_host, std::string target_port, int listener)
      : target_host_(std::move(target_host)), target_port_(std::move(target_port)) {
    start_accepting(listener);
  }
  ~tcp_proxy() {
    cut();
  }
  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;

  int port() const { return port_; }

  // Resets every connection and stops accepting.
  void cut() {
    stop_accepting();
    std::list<std::thread> pumps;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
      pumps.swap(pumps_);
    }
    for (auto& pump : pumps) pump.join();
  }

  // Accepts again on the same port.
  void restore() { listen_on(port_); }

 private:
  void listen_on(int port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 64) != 0) {
      ::close(listener_);
      throw std::runtime_error("tcp_proxy: cannot listen on port " + std::to_string(port));
    }
    start_accepting(listener_);
  }

  void start_accepting(int listener) {
    listener_ = listener;
    sockaddr_in address{};
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    accepting_ = true;
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  void stop_accepting() {
    if (!acceptor_.joinable()) return;
    accepting_ = false;
    acceptor_.join();
    ::close(listener_);
  }

  // Polls so that stop_accepting() is seen within 50 ms.
  void accept_loop() {
    while (accepting_) {
      pollfd ready{listener_, POLLIN, 0};
      if (::poll(&ready, 1, 50) <= 0) continue;
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      const int server = connect_to_target();
      if (server < 0) {
        ::close(client);
        continue;
      }
      std::lock_guard<std::mutex> lock(mutex_);
      open_fds_.push_back(client);
      open_fds_.push_back(server);
      pumps_.emplace_back([this, client, server] { pump(client, server); });
      pumps_.emplace_back([this, client, server] { pump(server, client); });
    }
  }

  int connect_to_target() const {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(target_host_.c_str(), target_port_.c_str(), &hints, &found) != 0) return -1;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool connected = ::connect(fd, found->ai_addr, found->ai_addrlen) == 0;
    ::freeaddrinfo(found);
    if (!connected) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  // Copies `from` to `to` until either ends; the second pump of a pair to
  // finish closes both.
  void pump(int from, int to) {
    char buffer[16384];
    for (;;) {
      const auto got = ::read(from, buffer, sizeof buffer);
      if (got <= 0) break;
      if (!write_all(to, buffer, static_cast<std::size_t>(got))) break;
    }
    ::shutdown(to, SHUT_RDWR);
    ::shutdown(from, SHUT_RDWR);
    std::lock_guard<std::mutex> lock(mutex_);
    if (++finished_[std::min(from, to)] == 2) {
      finished_.erase(std::min(from, to));
      open_fds_.remove(from);
      open_fds_.remove(to);
      ::close(from);
      ::close(to);
    }
  }

  static bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
      // A peer that went away must end the relay, not the test (SIGPIPE).
      const auto written = ::send(fd, data, size, MSG_NOSIGNAL);
      if (written <= 0) return false;
      data += written;
      size -= static_cast<std::size_t>(written);
    }
    return true;
  }

  std::string target_host_;
  std::string target_port_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> accepting_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::list<int> open_fds_;
  std::list<std::thread> pumps_;
  std::map<int, int> finished_;  // the lower fd of a pair -> pumps of it done
};

}  // namespace troupe::testing
