// Test support: run the troupe binary (or any program) as a real child
// process and look at its exit status and output. For tests only: blocking,
// bounded by the timeouts given.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace troupe::testing {

// A directory under /tmp removed with everything in it when destroyed.
class temp_dir {
 public:
  temp_dir() {
    std::random_device seed;
    path_ = std::filesystem::temp_directory_path() /
            ("troupe-test-" + std::to_string(getpid()) + "-" + std::to_string(seed()));
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return file(name);
  }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A child process whose stdout and stderr go to one file, running in
// `working_dir` (empty: the test's own); killed and reaped on destruction if
// still running.
class child {
 public:
  child(const std::vector<std::string>& argv, const std::string& output_path,
        const std::string& working_dir = "")
      : output_path_(output_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (!working_dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, working_dir.c_str());
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("posix_spawn failed for " + argv[0]);
  }
  ~child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  // Signals the child; nothing once it has been reaped (kill(-1, ...) would
  // signal every process of the user).
  void signal(int number) const {
    if (pid_ > 0) kill(pid_, number);
  }

  // The exit status, or nullopt if the child is still running after `limit`.
  std::optional<int> wait(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int raw = 0;
      if (waitpid(pid_, &raw, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

  // Waits until the output contains `text`; false after `limit`.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds limit) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (output().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::string output() const { return read_file(output_path_); }

  // Its process id; -1 once reaped.
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string output_path_;
};

struct command_result {
  int exit_code = -1;
  std::string output;  // stdout and stderr interleaved
};

// Runs argv to completion (at most `limit`) and returns its status and output.
inline command_result run_command(const std::vector<std::string>& argv, const temp_dir& dir,
                                  std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  static int counter = 0;
  child process(argv, dir.file("output-" + std::to_string(++counter) + ".txt"));
  auto status = process.wait(limit);
  return {status.value_or(-1), process.output()};
}

// The PostgreSQL URL of the throwaway server pg_virtualenv started, if any.
inline std::optional<std::string> postgres_url_from_environment() {
  const char* host = std::getenv("PGHOST");
  if (host == nullptr) return std::nullopt;
  auto var = [](const char* name, const char* fallback) {
    const char* value = std::getenv(name);
    return std::string(value ? value : fallback);
  };
  return "postgresql://" + var("PGUSER", "postgres") + ":" + var("PGPASSWORD", "") + "@" +
         std::string(host) + ":" + var("PGPORT", "5432") + "/" + var("PGDATABASE", "postgres");
}

} // namespace troupe::testing
