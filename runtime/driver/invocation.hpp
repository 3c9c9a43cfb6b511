// How to run one driver: the program, its arguments in the contract's form,
// its working directory and full environment, and the runtime's bounds
// (timeout, kill grace, captured output). The argument and environment
// builders are pure functions, except `daemon_environment`, which reads the
// process environment and must not race with setenv(). Values; thread-safe
// as values are.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "runtime/driver/environment_block.hpp"

namespace troupe::driver {

struct driver_invocation {
  std::string program;  // drivers.command, e.g. "node"; searched in PATH when it has no '/'
  std::vector<std::string> args;           // everything after the program (see session_arguments)
  std::string working_dir;                 // empty = the daemon's working directory
  std::map<std::string, std::string> env;  // the child's whole environment
  // The same environment prepared once and shared between runs; when set,
  // it is what the child gets and `env` is left empty.
  std::shared_ptr<const environment_block> prepared_env;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  std::chrono::milliseconds kill_grace{5000};  // SIGTERM -> SIGKILL
  std::size_t max_output_bytes = 1 << 20;      // stdout interpreted in memory; the log keeps 10x
  std::string log_path;                        // the per-session log (appended); empty = no log
};

// The arguments of an activity session:
// `<script> --profile <id> [--count N] [--seconds S] --session <sid> [--proof] <extra...>`.
// The contract expects exactly one of count and seconds; the caller chooses.
std::vector<std::string> session_arguments(const std::string& script, const std::string& profile,
                                           std::optional<std::int64_t> count,
                                           std::optional<std::int64_t> seconds,
                                           const std::string& session_id, bool proof,
                                           const std::vector<std::string>& extra);

// The arguments of a verb (recover, whoami, harvest, preflight, post, metrics):
// `<script> <verb> [--profile <id>] [--session <sid>] [--proof] <extra...>`,
// where `extra` carries the verb's own options (`--step homepage`,
// `--idempotency-key K`); an empty profile or session id is left out.
std::vector<std::string> verb_arguments(const std::string& script, const std::string& verb,
                                        const std::string& profile, const std::string& session_id,
                                        bool proof, const std::vector<std::string>& extra);

// The variables every driver gets from the daemon when the daemon has them:
// a program cannot run sensibly without PATH, HOME or the locale.
const std::vector<std::string>& basic_pass_env();

// The configured driver's invocation: `program` (the config's
// drivers.command unless --driver replaced it), `args`, and the drivers
// section's working directory, environment (over `daemon_env`), kill grace,
// output bound and the log file of `session_id`.
driver_invocation configured_invocation(const config::drivers_config& drivers, const std::string& program,
                                        const std::map<std::string, std::string>& daemon_env,
                                        std::vector<std::string> args, const std::string& session_id,
                                        std::chrono::milliseconds timeout);

// The same, with the environment as the shared block prepared for this
// daemon environment and drivers section (prepared_environment): sessions
// of one config reuse one block. Should the environment be invalid, `env`
// is filled instead and the run fails with the reason.
driver_invocation prepared_invocation(
    const config::drivers_config& drivers, const std::string& program,
    const std::shared_ptr<const std::map<std::string, std::string>>& daemon_env,
    std::vector<std::string> args, const std::string& session_id,
    std::chrono::milliseconds timeout);

// Where a session's stdout+stderr go: LOG_DIR/SESSION.log; empty (no log)
// when `log_dir` is empty.
std::string session_log_path(const std::string& log_dir, const std::string& session_id);

// The daemon's own environment, name -> value.
std::map<std::string, std::string> daemon_environment();

// The environment of a driver: the basic variables and each variable named
// in `pass_env` (secrets such as API tokens) that `daemon_env` has, then
// `extra` from the config, which wins over both. Nothing here is logged.
std::map<std::string, std::string> child_environment(
    const std::map<std::string, std::string>& daemon_env, const std::vector<std::string>& pass_env,
    const std::map<std::string, std::string>& extra);

} // namespace troupe::driver
