#include "runtime/driver/invocation.hpp"

#include <filesystem>

#include <unistd.h>

#include <cstring>

namespace troupe::driver {
namespace {

void append_common(std::vector<std::string>& args, const std::string& session_id, bool proof,
                   const std::vector<std::string>& extra) {
  if (!session_id.empty()) {
    args.push_back("--session");
    args.push_back(session_id);
  }
  if (proof) args.push_back("--proof");
  args.insert(args.end(), extra.begin(), extra.end());
}

// Everything of the configured driver's invocation but its environment.
driver_invocation invocation_without_env(const config::drivers_config& drivers,
                                         const std::string& program, std::vector<std::string> args,
                                         const std::string& session_id,
                                         std::chrono::milliseconds timeout) {
  driver_invocation invocation;
  invocation.program = program;
  invocation.args = std::move(args);
  invocation.working_dir = drivers.working_dir;
  invocation.timeout = timeout;
  invocation.kill_grace = std::chrono::milliseconds(drivers.kill_grace_ms);
  invocation.max_output_bytes = static_cast<std::size_t>(drivers.max_output_bytes);
  invocation.log_path = session_log_path(drivers.log_dir, session_id);
  return invocation;
}

} // namespace

std::vector<std::string> session_arguments(const std::string& script, const std::string& profile,
                                           std::optional<std::int64_t> count,
                                           std::optional<std::int64_t> seconds,
                                           const std::string& session_id, bool proof,
                                           const std::vector<std::string>& extra) {
  std::vector<std::string> args{script, "--profile", profile};
  if (count) {
    args.push_back("--count");
    args.push_back(std::to_string(*count));
  }
  if (seconds) {
    args.push_back("--seconds");
    args.push_back(std::to_string(*seconds));
  }
  append_common(args, session_id, proof, extra);
  return args;
}

std::vector<std::string> verb_arguments(const std::string& script, const std::string& verb,
                                        const std::string& profile, const std::string& session_id,
                                        bool proof, const std::vector<std::string>& extra) {
  std::vector<std::string> args{script, verb};
  if (!profile.empty()) {
    args.push_back("--profile");
    args.push_back(profile);
  }
  append_common(args, session_id, proof, extra);
  return args;
}

const std::vector<std::string>& basic_pass_env() {
  static const std::vector<std::string> names{"PATH",   "HOME", "USER",  "LANG",
                                              "LC_ALL", "TZ",   "TMPDIR"};
  return names;
}

std::map<std::string, std::string> daemon_environment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const char* entry_text = *entry;
    const char* equals = std::strchr(entry_text, '=');
    if (equals == nullptr) continue;
    env.emplace(std::string(entry_text, equals), std::string(equals + 1));
  }
  return env;
}

std::map<std::string, std::string> child_environment(
    const std::map<std::string, std::string>& daemon_env, const std::vector<std::string>& pass_env,
    const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  const auto pass = [&](const std::string& name) {
    const auto found = daemon_env.find(name);
    if (found != daemon_env.end()) env[name] = found->second;
  };
  for (const auto& name : basic_pass_env()) pass(name);
  for (const auto& name : pass_env) pass(name);
  for (const auto& [name, value] : extra) env[name] = value;
  return env;
}

driver_invocation configured_invocation(const config::drivers_config& drivers, const std::string& program,
                                        const std::map<std::string, std::string>& daemon_env,
                                        std::vector<std::string> args, const std::string& session_id,
                                        std::chrono::milliseconds timeout) {
  auto invocation = invocation_without_env(drivers, program, std::move(args), session_id, timeout);
  invocation.env = child_environment(daemon_env, drivers.pass_env, drivers.env);
  return invocation;
}

driver_invocation prepared_invocation(
    const config::drivers_config& drivers, const std::string& program,
    const std::shared_ptr<const std::map<std::string, std::string>>& daemon_env,
    std::vector<std::string> args, const std::string& session_id,
    std::chrono::milliseconds timeout) {
  auto invocation = invocation_without_env(drivers, program, std::move(args), session_id, timeout);
  auto prepared = prepared_environment(daemon_env, drivers.pass_env, drivers.env);
  if (prepared) {
    invocation.prepared_env = *prepared;
  } else {
    invocation.env = child_environment(*daemon_env, drivers.pass_env, drivers.env);
  }
  return invocation;
}

std::string session_log_path(const std::string& log_dir, const std::string& session_id) {
  if (log_dir.empty()) return "";
  return (std::filesystem::path(log_dir) / (session_id + ".log")).string();
}

} // namespace troupe::driver
