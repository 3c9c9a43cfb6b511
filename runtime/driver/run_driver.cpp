#include "runtime/driver/run_driver.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <optional>
#include <system_error>
#include <vector>

#include "runtime/driver/child_process.hpp"
#include "runtime/driver/session_log.hpp"

namespace troupe::driver {
namespace {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// After the leader exits, how long output may still arrive: enough for the
// pipes to empty, short enough that a grandchild holding them cannot stall.
constexpr milliseconds leader_exit_drain{200};
constexpr std::size_t read_chunk_bytes = std::size_t{64} * 1024;
// Reads per stream between two looks at the clock, so a flood cannot starve
// the timeout.
constexpr int reads_per_wakeup = 16;
// The session log keeps this many times the captured-output bound.
constexpr std::size_t log_cap_factor = 10;

enum class stop_cause { none, timeout, cancel };

std::size_t log_cap(std::size_t max_output_bytes) {
  const auto limit = std::numeric_limits<std::size_t>::max() / log_cap_factor;
  return max_output_bytes > limit ? std::numeric_limits<std::size_t>::max()
                                  : max_output_bytes * log_cap_factor;
}

bool needs_quoting(const std::string& word) {
  if (word.empty()) return true;
  for (const char c : word) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("_-./:=,@%+").find(c) != std::string_view::npos;
    if (!plain) return true;
  }
  return false;
}

std::string shell_quoted(const std::string& word) {
  if (!needs_quoting(word)) return word;
  std::string quoted = "'";
  for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

void write_header(session_log& log, const driver_invocation& invocation) {
  std::string command = "run: " + shell_quoted(invocation.program);
  for (const auto& arg : invocation.args) command += " " + shell_quoted(arg);
  log.note(command);
  log.note("working directory: " + (invocation.working_dir.empty() ? std::string("(the daemon's)")
                                                                   : invocation.working_dir));
  std::string names = "environment:";
  for (const auto& entry : invocation.env) names += " " + entry.first;
  log.note(names + " (values not logged)");
}

// Watches one spawned driver until its leader has exited and its output is
// drained, enforcing the deadline, the cancel token and the kill grace.
class driver_run {
 public:
  driver_run(const driver_invocation& invocation, child_process& child, session_log& log,
             stdout_protocol& protocol, const cancel_token& cancel, clock::time_point started)
      : invocation_(invocation),
        child_(child),
        log_(log),
        protocol_(protocol),
        cancel_(cancel),
        deadline_(started + invocation.timeout),
        buffer_(read_chunk_bytes) {}

  // Returns the leader's exit code once the group is gone.
  int supervise() {
    for (;;) {
      const auto now = clock::now();
      enforce_deadlines(now);
      if (leader_exited_ && (!pipes_open() || now >= *drain_until_)) break;
      if (!wait_for_events(now)) break;
    }
    if (pipes_open()) {
      log_.note(
          "the driver exited but its process group kept the output open: SIGKILL to the group");
    }
    child_.signal_group(SIGKILL);  // whatever is left of the group
    return child_.reap();
  }

  stop_cause cause() const { return cause_; }
  bool killed() const { return killed_; }
  const std::string& failure() const { return failure_; }

 private:
  bool pipes_open() { return child_.stdout_pipe().valid() || child_.stderr_pipe().valid(); }

  void enforce_deadlines(clock::time_point now) {
    if (leader_exited_) return;
    if (cause_ == stop_cause::none && now >= deadline_) {
      stop(stop_cause::timeout,
           "timed out after " + std::to_string(invocation_.timeout.count()) + " ms", now);
    }
    if (kill_at_ && now >= *kill_at_) {
      log_.note("still running " + std::to_string(invocation_.kill_grace.count()) +
                " ms after SIGTERM: SIGKILL to the process group");
      child_.signal_group(SIGKILL);
      killed_ = true;
      kill_at_.reset();
    }
  }

  void stop(stop_cause cause, const std::string& why, clock::time_point now) {
    cause_ = cause;
    log_.note(why + ": SIGTERM to the process group");
    child_.signal_group(SIGTERM);
    kill_at_ = now + invocation_.kill_grace;
  }

  // Waits for output, the leader's exit, a cancel or the next deadline and
  // handles what happened. Returns false when waiting itself failed.
  bool wait_for_events(clock::time_point now) {
    std::vector<pollfd> watched;
    const auto watch = [&](int fd) { watched.push_back(pollfd{fd, POLLIN, 0}); };
    if (child_.stdout_pipe().valid()) watch(child_.stdout_pipe().get());
    if (child_.stderr_pipe().valid()) watch(child_.stderr_pipe().get());
    if (!leader_exited_) watch(child_.exit_fd());
    if (!leader_exited_ && cause_ == stop_cause::none) watch(cancel_.fd());
    const int ready = ::poll(watched.data(), watched.size(), poll_timeout_ms(now));
    if (ready < 0 && errno == EINTR) return true;
    if (ready < 0) {
      failure_ = "waiting for the driver failed: " + std::generic_category().message(errno);
      log_.note(failure_);
      return false;
    }
    for (const auto& entry : watched) {
      if (entry.revents == 0) continue;
      if (entry.fd == child_.stdout_pipe().get()) {
        drain(child_.stdout_pipe(), output_stream::standard_output);
      } else if (entry.fd == child_.stderr_pipe().get()) {
        drain(child_.stderr_pipe(), output_stream::standard_error);
      } else if (entry.fd == child_.exit_fd()) {
        leader_exited_ = true;
        drain_until_ = clock::now() + leader_exit_drain;
      } else if (entry.fd == cancel_.fd()) {
        stop(stop_cause::cancel, "cancelled", clock::now());
      }
    }
    return true;
  }

  int poll_timeout_ms(clock::time_point now) const {
    std::optional<clock::time_point> next;
    const auto consider = [&](std::optional<clock::time_point> instant) {
      if (instant && (!next || *instant < *next)) next = instant;
    };
    if (leader_exited_) {
      consider(drain_until_);
    } else {
      if (cause_ == stop_cause::none) consider(deadline_);
      consider(kill_at_);
    }
    if (!next) return -1;
    if (*next <= now) return 0;
    const auto wait = std::chrono::ceil<milliseconds>(*next - now).count();
    return static_cast<int>(std::min<long long>(wait, std::numeric_limits<int>::max()));
  }

  void drain(unique_fd& pipe, output_stream stream) {
    for (int reads = 0; reads < reads_per_wakeup; ++reads) {
      const auto count = ::read(pipe.get(), buffer_.data(), buffer_.size());
      if (count < 0 && errno == EINTR) continue;
      if (count < 0 && errno == EAGAIN) return;
      if (count <= 0) {  // end of file, or a broken pipe: nothing more will come
        if (stream == output_stream::standard_output) protocol_.finish();
        pipe.reset();
        return;
      }
      const std::string_view chunk(buffer_.data(), static_cast<std::size_t>(count));
      log_.append(stream, chunk);
      if (stream == output_stream::standard_output) protocol_.consume(chunk);
    }
  }

  const driver_invocation& invocation_;
  child_process& child_;
  session_log& log_;
  stdout_protocol& protocol_;
  const cancel_token& cancel_;
  const clock::time_point deadline_;
  std::vector<char> buffer_;
  stop_cause cause_ = stop_cause::none;
  std::optional<clock::time_point> kill_at_;      // SIGKILL due (after a SIGTERM)
  std::optional<clock::time_point> drain_until_;  // set when the leader exited
  bool leader_exited_ = false;
  bool killed_ = false;
  std::string failure_;
};

std::string describe_exit(int exit_code) {
  if (exit_code > 128) return "killed by signal " + std::to_string(exit_code - 128);
  return "exited with code " + std::to_string(exit_code);
}

void settle(driver_outcome& outcome, const driver_run& run, int exit_code,
            const driver_invocation& invocation) {
  outcome.killed = run.killed();
  switch (run.cause()) {
    case stop_cause::timeout:
      outcome.exit_code = 124;
      outcome.kind = outcome_kind::timeout;
      outcome.error = "timed out after " + std::to_string(invocation.timeout.count()) + " ms";
      return;
    case stop_cause::cancel:
      outcome.exit_code = exit_code;
      outcome.kind = outcome_kind::cancelled;
      outcome.error = "cancelled";
      return;
    case stop_cause::none:
      outcome.exit_code = exit_code;
      outcome.kind = classify_exit(exit_code);
      if (!run.failure().empty()) {
        outcome.error = run.failure();
      } else if (outcome.kind != outcome_kind::success) {
        outcome.error =
            "the driver " + describe_exit(exit_code) + " (" + to_string(outcome.kind) + ")";
      }
      return;
  }
}

void copy_counters(driver_outcome& outcome, const stdout_protocol& protocol) {
  outcome.result_json = protocol.result_json();
  outcome.progress_lines = protocol.progress_lines();
  outcome.stdout_bytes = protocol.total_bytes();
  outcome.captured_bytes = protocol.captured_bytes();
  outcome.output_truncated = protocol.truncated();
  outcome.malformed_lines = protocol.malformed_lines();
}

std::string footer(const driver_outcome& outcome) {
  std::string text = "ended: " + std::string(to_string(outcome.kind)) + ", exit " +
                     std::to_string(outcome.exit_code) + ", after " +
                     std::to_string(outcome.duration.count()) + " ms; stdout " +
                     std::to_string(outcome.stdout_bytes) + " bytes, " +
                     std::to_string(outcome.progress_lines) + " progress, " +
                     std::to_string(outcome.malformed_lines) + " malformed lines";
  if (outcome.output_truncated) text += "; stdout past the capture bound was not interpreted";
  return text;
}

} // namespace

driver_outcome run_driver(const driver_invocation& invocation, const progress_callback& on_progress,
                          const cancel_token& cancel) {
  const auto started = clock::now();
  driver_outcome outcome;
  const auto elapsed = [&] {
    return std::chrono::duration_cast<milliseconds>(clock::now() - started);
  };
  if (cancel.cancelled()) {
    outcome.kind = outcome_kind::cancelled;
    outcome.error = "cancelled before the driver started";
    return outcome;
  }
  auto log = session_log::open(invocation.log_path, log_cap(invocation.max_output_bytes));
  if (!log) {
    outcome.error = log.failure().message;
    return outcome;
  }
  write_header(*log, invocation);
  auto child = child_process::spawn(invocation.program, invocation.args, invocation.working_dir,
                                    invocation.env);
  if (!child) {
    outcome.error = child.failure().message;
    outcome.duration = elapsed();
    log->note(outcome.error);
    outcome.log_error = log->write_error();
    return outcome;
  }
  stdout_protocol protocol(invocation.max_output_bytes, on_progress);
  driver_run run(invocation, *child, *log, protocol, cancel, started);
  const int exit_code = run.supervise();
  settle(outcome, run, exit_code, invocation);
  copy_counters(outcome, protocol);
  outcome.duration = elapsed();
  log->note(footer(outcome));
  outcome.log_error = log->write_error();
  return outcome;
}

} // namespace troupe::driver
