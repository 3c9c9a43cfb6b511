// Helpers of the driver tests: invocations of the simulated driver, a
// scratch directory, and looks at the process table (/proc).
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/driver/invocation.hpp"
#include "runtime/driver/run_driver.hpp"

namespace troupe::driver::testing {

using namespace std::chrono_literals;

// A fresh directory under the system's temp directory, removed at the end.
class scratch_dir {
 public:
  scratch_dir() {
    std::random_device entropy;
    path_ = std::filesystem::temp_directory_path() /
            ("troupe-driver-test-" + std::to_string(::getpid()) + "-" + std::to_string(entropy()));
    std::filesystem::create_directories(path_);
  }
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

// An invocation of sim-driver for `args`, with the basic environment plus
// `env`, no log and no waiting (time scale 0) unless `env` or the args say
// otherwise.
inline driver_invocation sim_invocation(std::vector<std::string> args,
                                        const std::map<std::string, std::string>& env = {}) {
  driver_invocation invocation;
  invocation.program = SIM_DRIVER_BINARY;
  invocation.args = std::move(args);
  auto extra = env;
  extra.emplace("SIM_DRIVER_TIME_SCALE", "0");
  invocation.env = child_environment(daemon_environment(), {}, extra);
  invocation.timeout = 20s;
  invocation.kill_grace = 1s;
  return invocation;
}

// A follow session of three items by account "acct-1", session "sess-1".
inline driver_invocation sim_session(const std::vector<std::string>& extra = {},
                                     const std::map<std::string, std::string>& env = {}) {
  return sim_invocation(
      session_arguments("follow.js", "acct-1", 3, std::nullopt, "sess-1", false, extra), env);
}

// Runs `invocation` to its end, collecting the progress lines.
struct finished_run {
  driver_outcome outcome;
  std::vector<std::string> progress;
};

inline finished_run run(const driver_invocation& invocation) {
  finished_run finished;
  cancel_token never;
  finished.outcome = run_driver(
      invocation, [&](const std::string& line) { finished.progress.push_back(line); }, never);
  return finished;
}

inline boost::json::object parse_object(const std::string& text) {
  return boost::json::parse(text).as_object();
}

struct process_entry {
  pid_t pid = 0;
  char state = '?';
  pid_t parent = 0;
  pid_t group = 0;
};

// Every process in /proc, from each /proc/<pid>/stat.
inline std::vector<process_entry> process_table() {
  std::vector<process_entry> table;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto stat = read_file(entry.path().string() + "/stat");
    const auto name_end = stat.rfind(')');  // the command name may hold spaces and parens
    if (name_end == std::string::npos) continue;
    std::istringstream fields(stat.substr(name_end + 1));
    process_entry process;
    process.pid = static_cast<pid_t>(std::stol(name));
    fields >> process.state >> process.parent >> process.group;
    table.push_back(process);
  }
  return table;
}

// Live child processes of this process whose command line holds `word` as
// one of its arguments.
inline std::vector<pid_t> children_with_argument(const std::string& word) {
  std::vector<pid_t> found;
  for (const auto& process : process_table()) {
    if (process.parent != ::getpid() || process.state == 'Z') continue;
    const auto command = read_file("/proc/" + std::to_string(process.pid) + "/cmdline");
    if (command.find(std::string(1, '\0') + word + std::string(1, '\0')) != std::string::npos) {
      found.push_back(process.pid);
    }
  }
  return found;
}

// Processes of group `group` that are not zombies.
inline std::vector<pid_t> live_members(pid_t group) {
  std::vector<pid_t> members;
  for (const auto& process : process_table()) {
    if (process.group == group && process.state != 'Z') members.push_back(process.pid);
  }
  return members;
}

// Returns true iff no live process of `group` is left within `limit`
// (a SIGKILLed process needs a moment to die).
inline bool group_gone_within(pid_t group, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!live_members(group).empty()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// Returns true iff process `pid` is gone or a zombie within `limit`.
inline bool process_gone_within(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto name_end = stat.rfind(')');
    if (name_end == std::string::npos || stat.substr(name_end + 2, 1) == "Z") return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

// Our children that are zombies.
inline std::vector<pid_t> zombie_children() {
  std::vector<pid_t> zombies;
  for (const auto& process : process_table()) {
    if (process.parent == ::getpid() && process.state == 'Z') zombies.push_back(process.pid);
  }
  return zombies;
}

inline std::size_t open_descriptor_count() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    ++count;
  return count;
}

// The pid a sim-driver progress line reports under `key` ("pid", "grandchild").
inline pid_t reported_pid(const std::string& progress_line, const char* key) {
  return static_cast<pid_t>(parse_object(progress_line).at(key).as_int64());
}

} // namespace troupe::driver::testing
