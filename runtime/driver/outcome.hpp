// What one driver run came to: the contract's exit-code classes plus the
// runtime's own endings (timeout, spawn failure, cancel), the last result
// object and counters about the output. Plain values; `classify_exit` is a
// pure function. Thread-safe as values are.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace troupe::driver {

enum class outcome_kind {
  success,        // exit 0
  transient,      // exit 2: retry later, no recovery
  auth_required,  // exit 3: park the account, raise a monitor issue
  no_targets,     // exit 4: skip with reason noTargets
  hard_error,     // any other exit, or death by a signal: starts recovery
  timeout,        // the runtime stopped the driver at its deadline (exit 124)
  spawn_failed,   // the driver never ran (missing program, bad working dir...)
  cancelled,      // the runtime stopped the driver on request
};

// Returns the contract's class of a driver's exit code. 124 is `timeout`
// wherever it comes from: the runtime records its own timeouts as 124 and
// drivers that wrap `timeout(1)` exit with it too.
outcome_kind classify_exit(int exit_code);

// Returns the kind's name as used in events and the API ("auth_required").
const char* to_string(outcome_kind kind);

struct driver_outcome {
  // The exit code; 128+signo for a death by a signal; 124 for a timeout;
  // -1 when no process ran.
  int exit_code = -1;
  outcome_kind kind = outcome_kind::spawn_failed;
  std::optional<std::string> result_json;  // the last {"result":{...}}'s object, serialized
  std::size_t progress_lines = 0;          // progress events relayed
  std::size_t stdout_bytes = 0;            // everything the driver wrote to stdout
  std::size_t captured_bytes = 0;          // the part of it interpreted as lines
  bool output_truncated = false;           // stdout went past max_output_bytes
  std::size_t malformed_lines = 0;         // lines neither a progress event nor a result
  bool killed = false;                     // SIGKILL was needed to end the group
  std::chrono::milliseconds duration{0};
  std::string error;      // why the run failed, when it did
  std::string log_error;  // why the session log is incomplete, if it is
};

} // namespace troupe::driver
