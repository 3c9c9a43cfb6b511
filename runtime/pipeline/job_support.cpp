#include "runtime/pipeline/job_support.hpp"

#include <spdlog/spdlog.h>

#include "runtime/aol/adapters.hpp"
#include "runtime/driver/invocation.hpp"
#include "runtime/store/job_runs.hpp"

namespace troupe::pipeline {

result<store::database> open_job_store(const config::troupe_config& config) {
  return store::database::open(config.db.url, config.db.busy_timeout_ms);
}

jobs::job_body recorded(jobs::job_body body, std::function<std::int64_t()> now_ms) {
  return [body = std::move(body), now_ms = std::move(now_ms)](const jobs::job_run_context& run) {
    const auto started = now_ms();
    auto result = body(run);
    store::job_last_run last{run.job, run.run_id, started, now_ms(), result.succeeded, result.summary, std::nullopt};
    auto db = open_job_store(*run.config);
    auto stored = db ? store::record_job_run(*db, last) : status(db.failure());
    if (!stored) spdlog::warn("job {}: run {} not recorded: {}", run.job, run.run_id, stored.failure().message);
    return result;
  };
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
