#include "runtime/driver/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "runtime/driver/nul_bytes.hpp"

namespace troupe::driver {
namespace {

std::string describe(int error_number) { return std::generic_category().message(error_number); }

// posix_spawn's attributes, destroyed on every path.
class spawn_attributes {
 public:
  spawn_attributes() { status_ = posix_spawnattr_init(&attributes_); }
  ~spawn_attributes() {
    if (status_ == 0) posix_spawnattr_destroy(&attributes_);
  }
  spawn_attributes(const spawn_attributes&) = delete;
  spawn_attributes& operator=(const spawn_attributes&) = delete;

  // Returns 0 or the error number: the child leads a new process group and
  // starts with no blocked signal and every disposition at its default (the
  // daemon blocks its control signals and may ignore SIGPIPE).
  int configure() {
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    int code = status_;
    if (code == 0) code = posix_spawnattr_setpgroup(&attributes_, 0);
    if (code == 0) code = posix_spawnattr_setsigmask(&attributes_, &none);
    if (code == 0) code = posix_spawnattr_setsigdefault(&attributes_, &all);
    if (code == 0) {
      code = posix_spawnattr_setflags(
          &attributes_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    }
    return code;
  }
  const posix_spawnattr_t* get() const { return &attributes_; }

 private:
  posix_spawnattr_t attributes_;
  int status_;
};

// posix_spawn's file actions, destroyed on every path.
class spawn_file_actions {
 public:
  spawn_file_actions() { status_ = posix_spawn_file_actions_init(&actions_); }
  ~spawn_file_actions() {
    if (status_ == 0) posix_spawn_file_actions_destroy(&actions_);
  }
  spawn_file_actions(const spawn_file_actions&) = delete;
  spawn_file_actions& operator=(const spawn_file_actions&) = delete;

  // Returns 0 or the error number: stdin from /dev/null, stdout and stderr
  // onto the pipes, every other descriptor closed, then the chdir.
  int configure(int stdout_fd, int stderr_fd, const std::string& working_dir) {
    int code = status_;
    if (code == 0) {
      code = posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    }
    if (code == 0) code = posix_spawn_file_actions_adddup2(&actions_, stdout_fd, STDOUT_FILENO);
    if (code == 0) code = posix_spawn_file_actions_adddup2(&actions_, stderr_fd, STDERR_FILENO);
    if (code == 0) code = posix_spawn_file_actions_addclosefrom_np(&actions_, STDERR_FILENO + 1);
    if (code == 0 && !working_dir.empty()) {
      code = posix_spawn_file_actions_addchdir_np(&actions_, working_dir.c_str());
    }
    return code;
  }
  const posix_spawn_file_actions_t* get() const { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
  int status_;
};

struct pipe_ends {
  unique_fd read;
  unique_fd write;
};

result<pipe_ends> make_output_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return error{"cannot create a pipe: " + describe(errno)};
  pipe_ends ends{unique_fd(fds[0]), unique_fd(fds[1])};
  if (::fcntl(ends.read.get(), F_SETFL, O_NONBLOCK) != 0) {
    return error{"cannot make a pipe non-blocking: " + describe(errno)};
  }
  return ends;
}

// glibc 2.36's <sys/pidfd.h> lacks extern "C" (fixed in 2.37), so the
// wrapper cannot be linked from C++; the system call is the same.
int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }


status validate(const std::string& program, const std::vector<std::string>& args,
                const std::string& working_dir) {
  if (program.empty() || has_nul(program))
    return error{"the driver program name is empty or invalid"};
  for (const auto& arg : args) {
    if (has_nul(arg)) return error{"a driver argument contains a NUL byte"};
  }
  std::error_code ignored;
  if (!working_dir.empty() && !std::filesystem::is_directory(working_dir, ignored)) {
    return error{"the driver working directory '" + working_dir + "' is not a directory"};
  }
  return {};
}

// argv for posix_spawn: the program, then `args`, then nullptr. The
// strings are not copied; posix_spawn does not write to them.
std::vector<char*> argument_array(const std::string& program,
                                  const std::vector<std::string>& args) {
  std::vector<char*> pointers;
  pointers.reserve(args.size() + 2);
  pointers.push_back(const_cast<char*>(program.c_str()));
  for (const auto& arg : args) pointers.push_back(const_cast<char*>(arg.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

int exit_code_of(int wait_status) {
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return WEXITSTATUS(wait_status);
}

} // namespace

result<child_process> child_process::spawn(const std::string& program,
                                           const std::vector<std::string>& args,
                                           const std::string& working_dir,
                                           const std::map<std::string, std::string>& env) {
  auto block = environment_block::make(env);
  if (!block) return block.failure();
  return spawn(program, args, working_dir, **block);
}

result<child_process> child_process::spawn(const std::string& program,
                                           const std::vector<std::string>& args,
                                           const std::string& working_dir,
                                           const environment_block& env) {
  if (auto valid = validate(program, args, working_dir); !valid) return valid.failure();
  auto stdout_pipe = make_output_pipe();
  if (!stdout_pipe) return stdout_pipe.failure();
  auto stderr_pipe = make_output_pipe();
  if (!stderr_pipe) return stderr_pipe.failure();

  spawn_attributes attributes;
  spawn_file_actions actions;
  int code = attributes.configure();
  if (code == 0)
    code = actions.configure(stdout_pipe->write.get(), stderr_pipe->write.get(), working_dir);
  if (code != 0) return error{"cannot prepare to start the driver: " + describe(code)};

  const auto argv = argument_array(program, args);
  pid_t pid = -1;
  code = ::posix_spawnp(&pid, program.c_str(), actions.get(), attributes.get(), argv.data(),
                        env.envp());
  if (code != 0) return error{"cannot start driver '" + program + "': " + describe(code)};

  unique_fd pidfd(open_pidfd(pid));
  const int pidfd_errno = errno;
  child_process child(pid, std::move(pidfd), std::move(stdout_pipe->read),
                      std::move(stderr_pipe->read));
  if (!child.pidfd_.valid()) {
    return error{"cannot watch driver process " + std::to_string(pid) + ": " +
                 describe(pidfd_errno)};
  }
  return child;
}

child_process::child_process(pid_t pid, unique_fd pidfd, unique_fd stdout_pipe,
                             unique_fd stderr_pipe)
    : pid_(pid),
      pidfd_(std::move(pidfd)),
      stdout_(std::move(stdout_pipe)),
      stderr_(std::move(stderr_pipe)) {}

child_process::~child_process() { kill_and_reap(); }

child_process::child_process(child_process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      stdout_(std::move(other.stdout_)),
      stderr_(std::move(other.stderr_)) {}

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    kill_and_reap();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
    stdout_ = std::move(other.stdout_);
    stderr_ = std::move(other.stderr_);
  }
  return *this;
}

void child_process::signal_group(int signo) {
  if (pid_ > 0) ::kill(-pid_, signo);
}

int child_process::reap() {
  if (pid_ <= 0) return -1;
  int wait_status = 0;
  pid_t waited;
  do {
    waited = ::waitpid(pid_, &wait_status, 0);
  } while (waited < 0 && errno == EINTR);
  pid_ = -1;
  return waited < 0 ? -1 : exit_code_of(wait_status);
}

void child_process::kill_and_reap() {
  if (pid_ <= 0) return;
  signal_group(SIGKILL);
  static_cast<void>(reap());
}

} // namespace troupe::driver
