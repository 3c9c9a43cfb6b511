#include "runtime/aol/tick_policy.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace troupe::aol {

loop_settings settings_from(const config::aol_config& aol) {
  loop_settings settings;
  settings.tick_ms = aol.tick_ms;
  settings.lease_ttl_ms = aol.lease_ttl_ms;
  settings.action_lease_ms = aol.action_lease_ms;
  settings.max_batch = aol.max_batch;
  settings.max_parallel = aol.max_parallel;
  settings.held_recheck_ms = aol.held_recheck_ms;
  settings.backoff = backoff_config{aol.backoff.base_ms, aol.backoff.multiplier, aol.backoff.max_ms,
                                    aol.backoff.jitter};
  settings.decision_timeout_ms = aol.decision_timeout_ms;
  settings.retention_ms = aol.retention_ms;
  settings.artifact_dir = std::filesystem::path(aol.data_dir) / "proof";
  return settings;
}

settlement settle(const adapter_outcome& outcome, int attempts, const loop_settings& settings,
                  policy::rng& random) {
  settlement write;
  switch (outcome.result) {
    case adapter_outcome::kind::succeeded:
      write.write = settlement::kind::complete;
      break;
    case adapter_outcome::kind::needs_decision:
      write.write = settlement::kind::request_decision;
      break;
    case adapter_outcome::kind::failed:
      write.write = settlement::kind::fail;
      write.failure.error = outcome.error;
      write.failure.permanent = outcome.permanent;
      write.failure.retry_delay_ms =
          outcome.permanent ? 0 : backoff_delay_ms(attempts, settings.backoff, random);
      break;
    case adapter_outcome::kind::held:
      write.write = settlement::kind::hold;
      write.held_reason = outcome.error;
      write.recheck_delay_ms = settings.held_recheck_ms;
      break;
    case adapter_outcome::kind::proofed:
      write.write = settlement::kind::prove;
      write.artifact = outcome.artifact.value_or("");
      break;
  }
  return write;
}

int claim_limit(const loop_settings& settings, int in_flight) {
  return std::max(0, std::min(settings.max_batch, settings.max_parallel - in_flight));
}

std::int64_t renew_interval_ms(const loop_settings& settings) {
  return std::max<std::int64_t>(1, std::min(settings.action_lease_ms, settings.lease_ttl_ms) / 3);
}

std::int64_t next_tick_delay_ms(const loop_settings& settings, std::int64_t elapsed_ms,
                                bool batch_full) {
  if (batch_full) return 0;
  return std::clamp<std::int64_t>(settings.tick_ms - elapsed_ms, 0, settings.tick_ms);
}

std::int64_t database_clock_offset_ms(std::int64_t asked_ms, std::int64_t database_ms,
                                      std::int64_t answered_ms) {
  return database_ms - (asked_ms + (answered_ms - asked_ms) / 2);
}

bool prune_due(std::optional<std::int64_t> last_prune_ms, std::int64_t now_ms) {
  return !last_prune_ms || now_ms - *last_prune_ms >= prune_interval_ms;
}

std::string tick_line(const tick_report& report) {
  return fmt::format("[AOL Tick {}] {} | Actions: {} attempted, {} succeeded | Duration: {:.2f}s",
                     report.index, store::to_string(report.status), report.attempted,
                     report.succeeded, static_cast<double>(report.duration_ms) / 1000.0);
}

}  // namespace troupe::aol
