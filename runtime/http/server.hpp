// The HTTP/1.1 server of the API and console: it accepts connections on its
// own I/O thread(s), parses requests, hands them to a router and writes what
// the handlers answer, asynchronously. Every refusal it makes itself is a
// JSON error (see error_response): 400 malformed request, 404/405 from the
// router, 413 body too large, 431 header too large, 500 handler failure, 503
// too many connections. Slow or silent clients are cut off by timeouts and
// never hold up the others.
//
// RAII: the destructor stops the server and joins its threads. The public
// methods are thread-safe. A moved-from server may only be destroyed or
// assigned to.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "runtime/http/router.hpp"
#include "runtime/result.hpp"

namespace troupe::http {

struct server_limits {
  std::size_t header_limit = 8 * 1024;     // request line + headers, bytes; beyond -> 431
  std::uint64_t body_limit = 1024 * 1024;  // bytes; beyond -> 413
  std::chrono::milliseconds read_timeout{
      10'000};  // to receive a whole request, and idle keep-alive
  std::chrono::milliseconds write_timeout{10'000};  // to send a whole response
  std::size_t max_connections = 512;                // open at once; beyond -> 503 and close
};

struct server_options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 picks a free port; see server::port()
  int io_threads = 1;
  server_limits limits;
};

class server {
 public:
  // Binds `options.address:options.port` and starts serving `routes`.
  // Fails when the address is invalid or cannot be bound.
  static result<server> start(const server_options& options, router routes);

  server(server&&) noexcept;
  server& operator=(server&&) noexcept;
  ~server();

  // The port the server listens on (the chosen one when started with 0).
  std::uint16_t port() const;

  // How many responses were sent, by status code, since start.
  std::map<int, std::uint64_t> request_counts() const;

  // Stops accepting, closes every connection and joins the I/O threads.
  // Responses handlers send afterwards are dropped. Idempotent. Call it
  // from outside the server (never from a handler: it joins the thread the
  // handler runs on).
  void stop();

 private:
  class impl;  // the Asio/Beast machinery, kept out of this header
  explicit server(std::unique_ptr<impl> running);
  std::unique_ptr<impl> impl_;
};

}  // namespace troupe::http
