#include "runtime/pipeline/job_support.hpp"

#include "runtime/aol/adapters.hpp"
#include "runtime/driver/invocation.hpp"

namespace troupe::pipeline {

result<store::database> open_job_store(const config::troupe_config& config) {
  return store::database::open(config.db.url, config.db.busy_timeout_ms);
}

std::vector<std::string> configured_accounts(const config::troupe_config& config) {
  std::vector<std::string> accounts;
  for (const auto& pod : config.pods) accounts.insert(accounts.end(), pod.accounts.begin(), pod.accounts.end());
  return accounts;
}

result<driver::driver_outcome> run_job_verb(const jobs::job_run_context& run, const std::string& driver_program,
                                            const std::string& verb, const std::string& account,
                                            const std::string& session_id, std::vector<std::string> extra,
                                            std::chrono::milliseconds timeout) {
  aol::adapter_context context;
  context.config = run.config;
  context.driver_program = driver_program;
  context.daemon_env = driver::daemon_environment();
  if (run.cancel) context.cancel = run.cancel;
  auto invocation = aol::verb_invocation(context, verb, account, session_id, std::move(extra), timeout);
  if (!invocation) return invocation.failure();
  return aol::run_invocation(*invocation, context);
}

}  // namespace troupe::pipeline
