// Test support: a webhook receiver, a real HTTP server on 127.0.0.1 that
// records every POST to /hooks/{name} and answers each with the next status
// of its script (the last status repeats), e.g. {500, 200}: a failure
// once, then success. Thread-safe; the server stops before the records go.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/http/server.hpp"

namespace troupe::testing {

class webhook_receiver {
 public:
  struct call {
    std::string body;
    std::string target;
    std::string content_type;
    int answered = 0;  // the status it got
  };

  explicit webhook_receiver(int status) : webhook_receiver(std::vector<int>{status}) {}

  explicit webhook_receiver(std::vector<int> statuses) : statuses_(std::move(statuses)) {
    http::router routes;
    routes.add("POST", "/hooks/{name}",
               [this](const http::request& request, http::responder reply) {
                 const int status = record(request);
                 reply(http::text_response(status, "answer " + std::to_string(status)));
               });
    auto started = http::server::start({"127.0.0.1", 0, 1, {}}, std::move(routes));
    if (!started) throw std::runtime_error("webhook_receiver: " + started.failure().message);
    server_.emplace(std::move(started).value());
  }

  std::string url(const std::string& path = "/hooks/aol") const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  std::vector<call> calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }
  std::vector<std::string> bodies() { return field(&call::body); }
  std::vector<std::string> targets() { return field(&call::target); }
  std::vector<std::string> content_types() { return field(&call::content_type); }

  // Waits until `count` calls came; false after `limit`.
  bool wait_for_calls(std::size_t count, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (calls().size() >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return calls().size() >= count;
  }

 private:
  int record(const http::request& request) {
    std::lock_guard<std::mutex> lock(mutex_);
    const int status = statuses_.at(std::min(calls_.size(), statuses_.size() - 1));
    calls_.push_back({request.body, request.target,
                      std::string(request.header("Content-Type").value_or("")), status});
    return status;
  }

  std::vector<std::string> field(std::string call::*member) {
    std::vector<std::string> values;
    for (const auto& one : calls()) values.push_back(one.*member);
    return values;
  }

  std::vector<int> statuses_;
  std::mutex mutex_;
  std::vector<call> calls_;
  std::optional<http::server> server_;  // last: stopped before the records go
};

}  // namespace troupe::testing
