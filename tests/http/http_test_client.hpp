// Test support: a deliberately simple HTTP/1.1 client on a raw POSIX socket
// to 127.0.0.1, able to send anything (half requests, garbage) and to read
// one response at a time. Every wait is bounded by a deadline.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "runtime/http/message.hpp"

namespace troupe::testing {

using namespace std::chrono_literals;

struct http_reply {
  int status = 0;
  http::header_map headers;
  std::string body;

  boost::json::value json() const { return boost::json::parse(body); }
  std::string header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? "" : found->second;
  }
};

class http_test_connection {
 public:
  explicit http_test_connection(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect() to 127.0.0.1:" + std::to_string(port) + " failed");
    }
  }
  ~http_test_connection() { ::close(fd_); }
  http_test_connection(const http_test_connection&) = delete;
  http_test_connection& operator=(const http_test_connection&) = delete;

  // Sends all of `bytes`; false if the peer closed or it took longer than `limit`.
  bool send(std::string_view bytes, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!bytes.empty()) {
      if (!wait_for(POLLOUT, deadline)) return false;
      const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  // Reads one response (headers + Content-Length body); nullopt if the
  // connection closed or `limit` passed first.
  std::optional<http_reply> read_response(std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::size_t header_end = std::string::npos;
    while ((header_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!receive_more(deadline)) return std::nullopt;
    }
    http_reply reply = parse_head(pending_.substr(0, header_end));
    pending_.erase(0, header_end + 4);
    const std::size_t length =
        std::stoul(reply.header("Content-Length").empty() ? "0" : reply.header("Content-Length"));
    while (pending_.size() < length) {
      if (!receive_more(deadline)) return std::nullopt;
    }
    reply.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return reply;
  }

  // Waits until the server closes the connection (EOF or reset); false if
  // it is still open after `limit`. Discards whatever arrives meanwhile.
  bool wait_until_closed(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (true) {
      if (!wait_for(POLLIN, deadline)) return false;
      char buffer[4096];
      if (::recv(fd_, buffer, sizeof buffer, 0) <= 0) return true;
    }
  }

 private:
  bool wait_for(short events, std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd watched{fd_, events, 0};
    return ::poll(&watched, 1, static_cast<int>(left.count())) == 1;
  }

  bool receive_more(std::chrono::steady_clock::time_point deadline) {
    if (!wait_for(POLLIN, deadline)) return false;
    char buffer[65536];
    const ssize_t received = ::recv(fd_, buffer, sizeof buffer, 0);
    if (received <= 0) return false;
    pending_.append(buffer, static_cast<std::size_t>(received));
    return true;
  }

  static http_reply parse_head(const std::string& head) {
    http_reply reply;
    std::size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);  // "HTTP/1.1 200 OK"
    reply.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end - start);
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      const std::size_t value_start = line.find_first_not_of(' ', colon + 1);
      reply.headers[line.substr(0, colon)] =
          value_start == std::string::npos ? "" : line.substr(value_start);
    }
    return reply;
  }

  int fd_;
  std::string pending_;  // received, not yet returned
};

// Builds the bytes of a request with a Content-Length when it has a body.
inline std::string request_text(const std::string& method, const std::string& target,
                                const std::string& body = "",
                                const std::string& extra_headers = "") {
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
  if (!body.empty() || method == "POST") {
    text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return text + "\r\n" + body;
}

// One request on a fresh connection.
inline std::optional<http_reply> fetch(std::uint16_t port, const std::string& method,
                                       const std::string& target, const std::string& body = "",
                                       const std::string& extra_headers = "") {
  http_test_connection connection(port);
  if (!connection.send(request_text(method, target, body, extra_headers))) return std::nullopt;
  return connection.read_response();
}

}  // namespace troupe::testing
