#include "runtime/driver/running_driver.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <string_view>

namespace troupe::driver {
namespace {

using std::chrono::milliseconds;

// After the leader exits, how long output may still arrive: enough for the
// pipes to empty, short enough that a grandchild holding them cannot stall.
constexpr milliseconds leader_exit_drain{200};
// The session log keeps this many times the captured-output bound.
constexpr std::size_t log_cap_factor = 10;

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

void write_header(session_log& log, const driver_invocation& invocation,
                  const std::vector<std::string>& env_names) {
  std::string command = "run: " + shell_quoted(invocation.program);
  for (const auto& arg : invocation.args) command += " " + shell_quoted(arg);
  log.note(command);
  log.note("working directory: " + (invocation.working_dir.empty() ? std::string("(the daemon's)")
                                                                   : invocation.working_dir));
  std::string names = "environment:";
  for (const auto& name : env_names) names += " " + name;
  log.note(names + " (values not logged)");
}

std::string describe_exit(int exit_code) {
  if (exit_code > 128) return "killed by signal " + std::to_string(exit_code - 128);
  return "exited with code " + std::to_string(exit_code);
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

// The invocation's environment as a block: the prepared one, or one made
// from `env` for this run.
result<std::shared_ptr<const environment_block>> environment_of(
    const driver_invocation& invocation) {
  if (invocation.prepared_env) return invocation.prepared_env;
  return environment_block::make(invocation.env);
}

}  // namespace

std::variant<running_driver, driver_outcome> running_driver::start(
    const driver_invocation& invocation, progress_callback on_progress) {
  const auto started = clock::now();
  driver_outcome outcome;
  auto log = session_log::open(invocation.log_path, log_cap(invocation.max_output_bytes));
  if (!log) {
    outcome.error = log.failure().message;
    return outcome;
  }
  auto env = environment_of(invocation);
  if (env) write_header(*log, invocation, (*env)->names());
  auto child =
      env ? child_process::spawn(invocation.program, invocation.args, invocation.working_dir, **env)
          : result<child_process>(env.failure());
  if (!child) {
    outcome.error = child.failure().message;
    outcome.duration = std::chrono::duration_cast<milliseconds>(clock::now() - started);
    log->note(outcome.error);
    outcome.log_error = log->write_error();
    return outcome;
  }
  return running_driver(invocation, std::move(*log), std::move(*child), std::move(on_progress),
                        started);
}

running_driver::running_driver(const driver_invocation& invocation, session_log log,
                               child_process child, progress_callback on_progress,
                               clock::time_point started)
    : timeout_(invocation.timeout),
      kill_grace_(invocation.kill_grace),
      log_(std::move(log)),
      child_(std::move(child)),
      protocol_(invocation.max_output_bytes, std::move(on_progress)),
      started_(started),
      deadline_(started + invocation.timeout) {}

void running_driver::read_output(output_stream stream, std::vector<char>& buffer) {
  auto& pipe =
      stream == output_stream::standard_output ? child_.stdout_pipe() : child_.stderr_pipe();
  if (!pipe.valid()) return;
  const auto count = ::read(pipe.get(), buffer.data(), buffer.size());
  if (count < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (count <= 0) {  // end of file, or a broken pipe: nothing more will come
    if (stream == output_stream::standard_output) protocol_.finish();
    pipe.reset();
    return;
  }
  const std::string_view chunk(buffer.data(), static_cast<std::size_t>(count));
  log_.append(stream, chunk);
  if (stream == output_stream::standard_output) protocol_.consume(chunk);
}

void running_driver::leader_exited(clock::time_point now) {
  leader_exited_ = true;
  drain_until_ = now + leader_exit_drain;
}

void running_driver::cancel(clock::time_point now) {
  if (leader_exited_ || cause_ != stop_cause::none) return;
  stop(stop_cause::cancel, "cancelled", now);
}

void running_driver::advance(clock::time_point now) {
  if (leader_exited_) return;
  if (cause_ == stop_cause::none && now >= deadline_) {
    stop(stop_cause::timeout, "timed out after " + std::to_string(timeout_.count()) + " ms", now);
  }
  if (kill_at_ && now >= *kill_at_) {
    log_.note("still running " + std::to_string(kill_grace_.count()) +
              " ms after SIGTERM: SIGKILL to the process group");
    child_.signal_group(SIGKILL);
    killed_ = true;
    kill_at_.reset();
  }
}

std::optional<running_driver::clock::time_point> running_driver::next_deadline() const {
  if (leader_exited_) return drain_until_;
  if (kill_at_) return kill_at_;
  if (cause_ == stop_cause::none) return deadline_;
  return std::nullopt;
}

bool running_driver::done(clock::time_point now) const {
  return leader_exited_ && (!pipes_open() || now >= *drain_until_);
}

driver_outcome running_driver::finish(const std::string& failure) {
  if (!failure.empty()) log_.note(failure);
  if (pipes_open() && failure.empty()) {
    log_.note("the driver exited but its process group kept the output open: SIGKILL to the group");
  }
  child_.signal_group(SIGKILL);  // whatever is left of the group
  const int exit_code = child_.reap();
  driver_outcome outcome;
  settle(outcome, exit_code, failure);
  copy_counters(outcome, protocol_);
  outcome.duration = std::chrono::duration_cast<milliseconds>(clock::now() - started_);
  log_.note(footer(outcome));
  outcome.log_error = log_.write_error();
  return outcome;
}

void running_driver::stop(stop_cause cause, const std::string& why, clock::time_point now) {
  cause_ = cause;
  log_.note(why + ": SIGTERM to the process group");
  child_.signal_group(SIGTERM);
  kill_at_ = now + kill_grace_;
}

void running_driver::settle(driver_outcome& outcome, int exit_code,
                            const std::string& failure) const {
  outcome.killed = killed_;
  switch (cause_) {
    case stop_cause::timeout:
      outcome.exit_code = 124;
      outcome.kind = outcome_kind::timeout;
      outcome.error = "timed out after " + std::to_string(timeout_.count()) + " ms";
      return;
    case stop_cause::cancel:
      outcome.exit_code = exit_code;
      outcome.kind = outcome_kind::cancelled;
      outcome.error = "cancelled";
      return;
    case stop_cause::none:
      outcome.exit_code = exit_code;
      outcome.kind = classify_exit(exit_code);
      if (!failure.empty()) {
        outcome.error = failure;
      } else if (outcome.kind != outcome_kind::success) {
        outcome.error =
            "the driver " + describe_exit(exit_code) + " (" + to_string(outcome.kind) + ")";
      }
      return;
  }
}

bool running_driver::pipes_open() const {
  return child_.stdout_pipe().valid() || child_.stderr_pipe().valid();
}

}  // namespace troupe::driver
