// One spawned driver and what is known of it so far, advanced by whoever
// waits for it (driver_reactor's thread): it reads the driver's output when
// told a pipe is readable, relays progress lines, keeps the last result,
// writes stdout and stderr to the session log, notes the leader's exit, and
// enforces the timeout (SIGTERM to the group, SIGKILL after the grace,
// exit 124), a cancel and the bounds on memory and log size when told the
// time. Nothing here waits: `finish()` reaps a leader that has exited (or
// was just sent SIGKILL). Destroying an unfinished run kills its group and
// reaps the leader. Move-only; not thread-safe: one owner.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "runtime/driver/child_process.hpp"
#include "runtime/driver/invocation.hpp"
#include "runtime/driver/outcome.hpp"
#include "runtime/driver/session_log.hpp"
#include "runtime/driver/stdout_protocol.hpp"

namespace troupe::driver {

class running_driver {
 public:
  using clock = std::chrono::steady_clock;

  // Opens the session log, writes its header and spawns the driver (on the
  // calling thread: posix_spawn returns once the driver has exec'd). Returns
  // the outcome instead when no driver could start.
  static std::variant<running_driver, driver_outcome> start(const driver_invocation& invocation,
                                                            progress_callback on_progress);

  // The descriptors to wait on for reading; each is -1 once not watched.
  int stdout_fd() const { return child_.stdout_pipe().get(); }
  int stderr_fd() const { return child_.stderr_pipe().get(); }
  // Readable once the leader has exited; -1 after leader_exited().
  int exit_fd() const { return leader_exited_ ? -1 : child_.exit_fd(); }

  // Reads once from the pipe of `stream`, which the caller saw readable,
  // into `buffer` (at least one byte long); closes the pipe at its end.
  void read_output(output_stream stream, std::vector<char>& buffer);
  // The leader has exited: output may still drain for a short while.
  void leader_exited(clock::time_point now);
  // Stops the driver as asked (SIGTERM now, SIGKILL after the grace).
  void cancel(clock::time_point now);
  // Enforces the deadline and the kill grace at `now`.
  void advance(clock::time_point now);
  // When advance() next has something to do; nullopt when nothing is due.
  std::optional<clock::time_point> next_deadline() const;
  // Returns true iff the leader has exited and the output is drained, or
  // the drain time is over.
  bool done(clock::time_point now) const;
  // Sends SIGKILL to whatever is left of the group, reaps the leader and
  // says how the run ended. Call once: when done(), or with `failure` (why
  // the run could not be watched on) to end it at once.
  driver_outcome finish(const std::string& failure = "");

 private:
  enum class stop_cause { none, timeout, cancel };

  running_driver(const driver_invocation& invocation, session_log log, child_process child,
                 progress_callback on_progress, clock::time_point started);
  void stop(stop_cause cause, const std::string& why, clock::time_point now);
  void settle(driver_outcome& outcome, int exit_code, const std::string& failure) const;
  bool pipes_open() const;

  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds kill_grace_;
  session_log log_;
  child_process child_;
  stdout_protocol protocol_;
  clock::time_point started_;
  clock::time_point deadline_;
  stop_cause cause_ = stop_cause::none;
  std::optional<clock::time_point> kill_at_;      // SIGKILL due (after a SIGTERM)
  std::optional<clock::time_point> drain_until_;  // set when the leader exited
  bool leader_exited_ = false;
  bool killed_ = false;
};

}  // namespace troupe::driver
