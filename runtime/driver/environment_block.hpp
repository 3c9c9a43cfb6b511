// A driver's whole environment as posix_spawn takes it: "NAME=value"
// strings and their null-terminated pointer array, validated and built once
// and then shared read-only by every run that uses it. `prepared_environment`
// keeps the block of the configured drivers environment, so sessions of an
// unchanged config reuse one block instead of building their own.
// Immutable after construction; thread-safe to share; the cache is
// thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/result.hpp"

namespace troupe::driver {

class environment_block {
 public:
  // Returns the block of `env`, or why a name or value cannot be passed (an
  // empty name, '=' in a name, a NUL byte).
  static result<std::shared_ptr<const environment_block>> make(
      const std::map<std::string, std::string>& env);

  environment_block(const environment_block&) = delete;
  environment_block& operator=(const environment_block&) = delete;

  // The envp of posix_spawn, valid as long as this block.
  char* const* envp() const { return pointers_.data(); }
  // The variables' names, in order (for the session log, never the values).
  const std::vector<std::string>& names() const { return names_; }

 private:
  environment_block() = default;

  std::vector<std::string> entries_;  // "NAME=value"
  std::vector<char*> pointers_;       // into entries_, then nullptr
  std::vector<std::string> names_;
};

// The block of child_environment(*daemon_env, pass_env, extra), reused while
// the same daemon environment (by identity) and the same `pass_env` and
// `extra` (by value) ask for it again.
result<std::shared_ptr<const environment_block>> prepared_environment(
    const std::shared_ptr<const std::map<std::string, std::string>>& daemon_env,
    const std::vector<std::string>& pass_env, const std::map<std::string, std::string>& extra);

}  // namespace troupe::driver
