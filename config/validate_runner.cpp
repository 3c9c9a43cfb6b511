// The smart runner's numbers: pacing, jitter, bursts, energy and recovery.
#include "config/validator.hpp"

namespace troupe::config {
namespace {

void validate_idle(const idle_config& idle, findings& found) {
  found.at_least<std::int64_t>("idle.baseMinMs", idle.base_min_ms, 0);
  if (idle.base_min_ms > idle.base_max_ms) {
    found.error("idle.baseMinMs", fmt::format("must be <= idle.baseMaxMs ({} > {})",
                                              idle.base_min_ms, idle.base_max_ms));
  }
}

void validate_handoff(const handoff_config& handoff, findings& found) {
  found.one_of("handoff.distribution", handoff.distribution, {"lognormal"});
  found.above("handoff.sigma", handoff.sigma, 0.0);
  found.at_least<std::int64_t>("handoff.minMs", handoff.min_ms, 0);
  if (handoff.min_ms > handoff.max_ms) {
    found.error("handoff.minMs",
                fmt::format("must be <= handoff.maxMs ({} > {})", handoff.min_ms, handoff.max_ms));
  } else if (handoff.mode_ms < handoff.min_ms || handoff.mode_ms > handoff.max_ms) {
    found.error("handoff.modeMs",
                fmt::format("must lie within handoff.minMs..maxMs ({}..{}), got {}", handoff.min_ms,
                            handoff.max_ms, handoff.mode_ms));
  }
}

void validate_bursts(const bursts_config& bursts, findings& found) {
  found.within("bursts.probability", bursts.probability, 0.0, 1.0);
  found.at_least<std::int64_t>("bursts.gapMs", bursts.gap_ms, 0);
}

void validate_energy(const energy_config& energy, findings& found) {
  const bool start_valid = energy.start > 0.0 && energy.start <= 1.0;
  if (!start_valid) {
    found.error("energy.start", fmt::format("must be within (0, 1] (got {})", energy.start));
  }
  found.at_least("energy.perSession", energy.per_session, 0.0);
  if (!(energy.floor >= 0.0 && energy.floor < 1.0)) {
    found.error("energy.floor", fmt::format("must be within [0, 1) (got {})", energy.floor));
  } else if (start_valid && energy.floor >= energy.start) {
    found.error("energy.floor", fmt::format("must be below energy.start ({} >= {}): every account "
                                            "would skip with energyLow",
                                            energy.floor, energy.start));
  }
}

void validate_recovery(const recovery_config& recovery, findings& found) {
  found.at_least("recovery.maxRecoverySteps", recovery.max_recovery_steps, 1);
  found.at_least<std::int64_t>("recovery.retryBackoffMs", recovery.retry_backoff_ms, 0);
  found.at_least("recovery.backoffFactor", recovery.backoff_factor, 1.0);
  found.at_least<std::int64_t>("recovery.cooldownMs", recovery.cooldown_ms, 0);
  found.not_empty("recovery.script", recovery.script);
  const auto steps = static_cast<int>(recovery.steps.size());
  if (steps < 1 || steps > recovery.max_recovery_steps) {
    found.error("recovery.steps", fmt::format("must hold 1..maxRecoverySteps ({}) steps, got {}",
                                              recovery.max_recovery_steps, steps));
  }
  for (std::size_t i = 0; i < recovery.steps.size(); ++i) {
    found.not_empty(fmt::format("recovery.steps[{}]", i), recovery.steps[i]);
  }
}

}  // namespace

void validate_runner(const troupe_config& config, findings& found) {
  found.at_least("concurrency", config.concurrency, 1);
  found.at_least("accountsPerPod", config.accounts_per_pod, 1);
  found.above<std::int64_t>("tickMs", config.tick_ms, 0);
  validate_idle(config.idle, found);
  validate_handoff(config.handoff, found);
  validate_bursts(config.bursts, found);
  validate_energy(config.energy, found);
  validate_recovery(config.recovery, found);
}

}  // namespace troupe::config
