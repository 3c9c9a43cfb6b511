#include "runtime/driver/environment_block.hpp"

#include <mutex>

#include "runtime/driver/invocation.hpp"
#include "runtime/driver/nul_bytes.hpp"

namespace troupe::driver {
namespace {


// The inputs of the last prepared block and the block. One entry: a daemon
// runs one drivers config at a time (two, briefly, across a reload).
struct prepared_entry {
  std::weak_ptr<const std::map<std::string, std::string>> daemon_env;
  std::vector<std::string> pass_env;
  std::map<std::string, std::string> extra;
  std::shared_ptr<const environment_block> block;
};

}  // namespace

result<std::shared_ptr<const environment_block>> environment_block::make(
    const std::map<std::string, std::string>& env) {
  std::shared_ptr<environment_block> block(new environment_block());
  block->entries_.reserve(env.size());
  block->names_.reserve(env.size());
  for (const auto& [name, value] : env) {
    if (name.empty() || name.find('=') != std::string::npos || has_nul(name) || has_nul(value)) {
      return error{"invalid driver environment variable name '" + name + "'"};
    }
    block->entries_.push_back(name + "=" + value);
    block->names_.push_back(name);
  }
  block->pointers_.reserve(env.size() + 1);
  for (auto& entry : block->entries_) block->pointers_.push_back(entry.data());
  block->pointers_.push_back(nullptr);
  return std::shared_ptr<const environment_block>(std::move(block));
}

result<std::shared_ptr<const environment_block>> prepared_environment(
    const std::shared_ptr<const std::map<std::string, std::string>>& daemon_env,
    const std::vector<std::string>& pass_env, const std::map<std::string, std::string>& extra) {
  static std::mutex lock;
  static prepared_entry last;
  std::lock_guard<std::mutex> guard(lock);
  if (last.block && last.daemon_env.lock() == daemon_env && last.pass_env == pass_env &&
      last.extra == extra) {
    return last.block;
  }
  auto block = environment_block::make(child_environment(*daemon_env, pass_env, extra));
  if (block) last = prepared_entry{daemon_env, pass_env, extra, *block};
  return block;
}

}  // namespace troupe::driver
