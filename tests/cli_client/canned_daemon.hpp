// Test support: a real troupe::http::server on 127.0.0.1:<free port> that
// answers GET /api/<name> with whatever the test set for that path (404
// otherwise), standing in for a running daemon.
#pragma once

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "runtime/http/server.hpp"

namespace troupe::testing {

class canned_daemon {
 public:
  canned_daemon() : server_(started()) {}

  // From now on GET `path` answers `status` with the JSON `body`.
  void answer(const std::string& path, int status, std::string body) {
    http::response reply;
    reply.status = status;
    reply.body = std::move(body);
    std::lock_guard lock(mutex_);
    answers_[path] = std::move(reply);
  }

  std::uint16_t port() const { return server_.port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }

 private:
  http::server started() {
    http::router routes;
    routes.add("GET", "/api/{name}", [this](const http::request& incoming, http::responder reply) {
      std::lock_guard lock(mutex_);
      auto found = answers_.find(incoming.path);
      reply(found == answers_.end() ? http::error_response(404, "no such endpoint") : found->second);
    });
    http::server_options options;
    options.address = "127.0.0.1";
    options.port = 0;
    auto attempt = http::server::start(options, std::move(routes));
    if (!attempt) throw std::runtime_error(attempt.failure().message);
    return std::move(attempt).value();
  }

  std::mutex mutex_;
  std::map<std::string, http::response> answers_;
  http::server server_;  // last: stops before the answers go
};

// A loopback port nobody listens on: one a server had and gave back.
inline std::uint16_t closed_port() {
  http::server_options options;
  options.address = "127.0.0.1";
  options.port = 0;
  auto attempt = http::server::start(options, http::router());
  if (!attempt) throw std::runtime_error(attempt.failure().message);
  return attempt->port();
}

}  // namespace troupe::testing
