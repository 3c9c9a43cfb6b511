// Test support: a real `troupe run` on a temporary SQLite database with the
// simulated driver, serving its API on a free loopback port, and requests to
// it through the HTTP tests' raw client.
#pragma once

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/store/database.hpp"
#include "tests/http/http_test_client.hpp"
#include "tests/support/command.hpp"

namespace troupe::testing {

// The admin token the daemons of these tests are configured with.
inline const std::string test_admin_token = "test-admin-token";

// One request on a fresh connection (tests/http/http_test_client.hpp);
// an unanswered request reads as status 0.
inline http_reply request(int port, const std::string& method, const std::string& target,
                          const std::string& token = "", const std::string& body = "") {
  const std::string authorization = token.empty() ? "" : "Authorization: Bearer " + token + "\r\n";
  auto reply = fetch(static_cast<std::uint16_t>(port), method, target, body, "Connection: close\r\n" + authorization);
  return reply ? *reply : http_reply{};
}

// Sends `raw` bytes as they are and reads one response (status 0 if none came).
inline http_reply send_raw(int port, const std::string& raw) {
  http_test_connection connection(static_cast<std::uint16_t>(port));
  connection.send(raw);
  auto reply = connection.read_response();
  return reply ? *reply : http_reply{};
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

// `troupe run` on the config files (merged in order) with --http 127.0.0.1:0;
// port() is the port it chose. It runs in `dir`, so that relative paths in a
// config (tools/demo.yaml's build/demo/...) land there.
class running_daemon {
 public:
  running_daemon(const temp_dir& dir, const std::string& config_path)
      : running_daemon(dir, std::vector<std::string>{config_path}) {}

  // `binary`: the troupe executable to run (a copy, to replace it while it runs).
  running_daemon(const temp_dir& dir, const std::vector<std::string>& config_paths,
                 const std::string& binary = TROUPE_BINARY, const std::string& output_name = "daemon-output.txt")
      : process_(run_arguments(binary, config_paths), dir.file(output_name), dir.path().string()) {
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
  static std::vector<std::string> run_arguments(const std::string& binary, const std::vector<std::string>& config_paths) {
    std::vector<std::string> argv{binary,            "run",    "--driver",
                                  SIM_DRIVER_BINARY, "--http", "127.0.0.1:0"};
    for (const auto& path : config_paths) {
      argv.push_back("--config");
      argv.push_back(path);
    }
    return argv;
  }

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

// The message of an error answer ({"error":{"message":...}}).
inline std::string error_message(const http_reply& reply) {
  return std::string(reply.json().at("error").at("message").as_string());
}

// A time no test reaches: 2100-01-01T00:00:00Z.
constexpr std::int64_t far_future_ms = 4102444800000;

// The store of a daemon started on daemon_config(dir, ...).
inline store::database open_daemon_store(const temp_dir& dir) {
  auto db = store::database::open("sqlite:" + dir.file("troupe.db"));
  INFO((db ? std::string() : db.failure().message));
  REQUIRE(db.ok());
  return std::move(db).value();
}

// `troupe ARGS... --db DB_URL` in `dir`, as an operator runs it without a daemon.
inline command_result troupe_on_database(const std::string& db_url, std::vector<std::string> args,
                                         const temp_dir& dir) {
  args.insert(args.begin(), TROUPE_BINARY);
  args.insert(args.end(), {"--db", db_url});
  return run_command(args, dir, std::chrono::seconds(30));
}

}  // namespace troupe::testing
