// Test support: the fake OpenAI-compatible server (tools/fake-llm) as a real
// child process on 127.0.0.1, with its admin endpoints as methods. Blocking,
// every wait bounded; throws on a broken fixture (tests only).
#pragma once

#include <poll.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/driver/child_process.hpp"
#include "runtime/http/client.hpp"

namespace troupe::llm::testing {

class fake_llm_server {
 public:
  explicit fake_llm_server(std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"--port", "0", "--seed", "7"});
    auto spawned =
        driver::child_process::spawn(FAKE_LLM_BINARY, args, "", {{"PATH", "/usr/bin:/bin"}});
    if (!spawned) throw std::runtime_error("cannot start fake-llm: " + spawned.failure().message);
    child_.emplace(std::move(*spawned));
    port_ = static_cast<std::uint16_t>(std::stoi(first_line()));
  }

  std::uint16_t port() const { return port_; }
  std::string base_url(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_) + "/v1";
  }

  // Replaces the server's remaining fault script.
  void script(const std::string& json_list) {
    auto answer = http::post(admin(), "/_fake/script", json_list, "application/json", timeout);
    if (!answer || answer->status != 200) throw std::runtime_error("fake-llm refused the script");
  }

  // How many API requests the server received.
  std::int64_t count() const { return get("/_fake/count").at("count").as_int64(); }

  // The API requests received: path, auth, model, body.
  boost::json::array requests() const { return get("/_fake/requests").as_array(); }

 private:
  static constexpr std::chrono::milliseconds timeout{5000};

  http::base_url admin() const { return {"127.0.0.1", port_, "", false}; }

  boost::json::value get(const std::string& path) const {
    auto answer = http::get(admin(), path, timeout);
    if (!answer || answer->status != 200)
      throw std::runtime_error("fake-llm: GET " + path + " failed");
    return boost::json::parse(answer->body);
  }

  std::string first_line() {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (text.find('\n') == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("fake-llm: no port");
      pollfd watched{child_->stdout_pipe().get(), POLLIN, 0};
      ::poll(&watched, 1, 100);
      char buffer[64];
      const auto count = ::read(child_->stdout_pipe().get(), buffer, sizeof buffer);
      if (count == 0) throw std::runtime_error("fake-llm exited before printing its port");
      if (count > 0) text.append(buffer, static_cast<std::size_t>(count));
    }
    return text.substr(0, text.find('\n'));
  }

  std::optional<driver::child_process> child_;
  std::uint16_t port_ = 0;
};

}  // namespace troupe::llm::testing
