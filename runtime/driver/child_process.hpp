// One driver child process and its process group, owned. `spawn` starts the
// program with posix_spawn (no fork of a large daemon) as the leader of a
// new process group, with default signal dispositions, an empty signal mask,
// stdin from /dev/null, stdout and stderr on pipes, and no other inherited
// descriptor. The leader is reaped only by `reap()` (or the destructor), so
// its pid, and with it the group id, stays reserved until then: signalling
// the group can never hit an unrelated process. The destructor of a child
// that was not reaped kills the group and reaps the leader: no zombie is
// ever left. Requires Linux >= 5.3 (pidfd). Move-only; not thread-safe:
// one owner at a time. The daemon must not set SIGCHLD to SIG_IGN.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "runtime/driver/environment_block.hpp"
#include "runtime/driver/unique_fd.hpp"
#include "runtime/result.hpp"

namespace troupe::driver {

class child_process {
 public:
  // Starts `program` (searched in PATH when it has no '/'; resolved after
  // the chdir when relative) with `args` after argv[0], in `working_dir`
  // (empty = ours) and with exactly `env`.
  static result<child_process> spawn(const std::string& program,
                                     const std::vector<std::string>& args,
                                     const std::string& working_dir,
                                     const environment_block& env);
  // The same with `env` prepared for this one start.
  static result<child_process> spawn(const std::string& program,
                                     const std::vector<std::string>& args,
                                     const std::string& working_dir,
                                     const std::map<std::string, std::string>& env);

  ~child_process();
  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // The leader's pid, which is also the process group id.
  pid_t pid() const { return pid_; }
  // The read ends of the child's stdout and stderr (non-blocking); reset
  // them once drained.
  unique_fd& stdout_pipe() { return stdout_; }
  unique_fd& stderr_pipe() { return stderr_; }
  const unique_fd& stdout_pipe() const { return stdout_; }
  const unique_fd& stderr_pipe() const { return stderr_; }
  // A descriptor that becomes readable when the leader has exited.
  int exit_fd() const { return pidfd_.get(); }

  // Sends `signo` to every process of the group; a no-op once reaped.
  void signal_group(int signo);
  // Waits for the leader and returns its exit code (128+signo when a signal
  // ended it), or -1 when it was already reaped. Afterwards the group id may
  // belong to someone else, so the group is no longer signalled.
  int reap();

 private:
  child_process(pid_t pid, unique_fd pidfd, unique_fd stdout_pipe, unique_fd stderr_pipe);
  void kill_and_reap();

  pid_t pid_ = -1;  // -1 when reaped or moved from
  unique_fd pidfd_;
  unique_fd stdout_;
  unique_fd stderr_;
};

} // namespace troupe::driver
