// Test support: a real `troupe run` on a temporary SQLite database with the
// simulated driver, serving its API on a free loopback port, and a minimal
// HTTP/1.1 client (one request per connection) to talk to it.
#pragma once

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "tests/support/command.hpp"

namespace troupe::testing {

struct http_reply {
  int status = 0;
  std::string headers;  // the raw header block
  std::string body;
  boost::json::value json() const { return boost::json::parse(body); }
};

// Sends `raw` (a whole request) to 127.0.0.1:port and reads the reply until
// the server closes; bounded by a 10 s deadline.
inline http_reply send_raw(int port, const std::string& raw) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  asio::write(socket, asio::buffer(raw));
  std::string received;
  boost::system::error_code ec;
  asio::steady_timer deadline(io, std::chrono::seconds(10));
  deadline.async_wait([&](const boost::system::error_code& waited) {
    if (!waited) socket.close();
  });
  std::array<char, 65536> chunk{};
  std::function<void(const boost::system::error_code&, std::size_t)> on_read =
      [&](const boost::system::error_code& read_error, std::size_t n) {
        received.append(chunk.data(), n);
        if (read_error) return (void)deadline.cancel();
        socket.async_read_some(asio::buffer(chunk), on_read);
      };
  socket.async_read_some(asio::buffer(chunk), on_read);
  io.run();
  http_reply reply;
  const auto header_end = received.find("\r\n\r\n");
  if (received.size() < 12 || header_end == std::string::npos) return reply;
  reply.status = std::stoi(received.substr(9, 3));
  reply.headers = received.substr(0, header_end);
  reply.body = received.substr(header_end + 4);
  if (reply.headers.find("ransfer-Encoding: chunked") != std::string::npos) {
    std::string body;
    std::size_t at = 0;
    for (;;) {
      const auto line_end = reply.body.find("\r\n", at);
      const auto size = std::stoul(reply.body.substr(at, line_end - at), nullptr, 16);
      if (size == 0) break;
      body += reply.body.substr(line_end + 2, size);
      at = line_end + 2 + size + 2;
    }
    reply.body = body;
  }
  return reply;
}

inline http_reply request(int port, const std::string& method, const std::string& target,
                          const std::string& token = "", const std::string& body = "") {
  std::string raw = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!token.empty()) raw += "Authorization: Bearer " + token + "\r\n";
  raw += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return send_raw(port, raw);
}

// A config for the daemon under test: awake all day, short delays, the given
// concurrency and admin token (none when empty).
inline std::string daemon_config(const temp_dir& dir, int concurrency, const std::string& admin_token) {
  std::string yaml = "concurrency: " + std::to_string(concurrency) +
                     "\n"
                     "tickMs: 1000\n"
                     "idle: {baseMinMs: 500, baseMaxMs: 1000}\n"
                     "handoff: {modeMs: 200, sigma: 0.5, minMs: 100, maxMs: 1000}\n"
                     "energy: {start: 1.0, perSession: 0.0, floor: 0.15}\n"
                     "moods:\n"
                     "  - {name: Day, start: \"00:00\", end: \"12:00\"}\n"
                     "  - {name: Night, start: \"12:00\", end: \"00:00\"}\n"
                     "pods: {alpha: [a1, a2, a3], beta: [b1, b2, b3]}\n"
                     "db: {url: \"sqlite:" + dir.file("troupe.db") + "\"}\n"
                     "log: {file: \"" + dir.file("troupe.log") + "\"}\n"
                     "drivers:\n"
                     "  logDir: \"" + dir.file("session-logs") + "\"\n"
                     "  env: {SIM_DRIVER_TIME_SCALE: \"0.02\"}\n";
  if (!admin_token.empty()) yaml += "http: {adminToken: " + admin_token + "}\n";
  return yaml;
}

// `troupe run` on `config_path` with --http 127.0.0.1:0; port() is the port it chose.
class running_daemon {
 public:
  running_daemon(const temp_dir& dir, const std::string& config_path)
      : process_({TROUPE_BINARY, "run", "--config", config_path, "--driver", SIM_DRIVER_BINARY, "--http",
                  "127.0.0.1:0"},
                 dir.file("daemon-output.txt")) {
    using namespace std::chrono_literals;
    if (!process_.wait_for_output("running until SIGINT or SIGTERM", 30s)) {
      throw std::runtime_error("the daemon did not start:\n" + process_.output());
    }
    // (<regex> is avoided: GCC 12 warns falsely inside it under the sanitizers.)
    const auto output = process_.output();
    const std::string announced = "API and console on http://127.0.0.1:";
    const auto at = output.find(announced);
    if (at == std::string::npos) throw std::runtime_error("the daemon named no API port:\n" + output);
    port_ = std::stoi(output.substr(at + announced.size()));
  }

  ~running_daemon() {
    process_.signal(SIGTERM);
    process_.wait(std::chrono::seconds(15));  // the child's destructor kills it if it hangs
  }
  running_daemon(const running_daemon&) = delete;
  running_daemon& operator=(const running_daemon&) = delete;

  int port() const { return port_; }
  child& process() { return process_; }

 private:
  child process_;
  int port_ = 0;
};

// Polls `probe` every 100 ms until it returns true or `limit` passes.
template <class Probe>
bool eventually(Probe probe, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return probe();
}

}  // namespace troupe::testing
