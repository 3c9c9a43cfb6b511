// `troupe simulate`: the daemon's actors (supervisor, pods, accounts,
// sessions) on CAF's testing scheduler, whose clock is virtual, with the
// in-process session model instead of driver processes and the recorder
// instead of the store. Runs as fast as the CPU allows; the same config and
// seed give the same report. Blocking; runs its own actor system.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "config/config.hpp"
#include "runtime/session_model.hpp"

namespace caf::scheduler {
class test_coordinator;
}

namespace troupe {

// Runs every job and fires timers in time order until no timer is due at or
// before `end`; never moves the virtual clock backwards.
void run_virtual_time_until(caf::scheduler::test_coordinator& sched,
                            std::chrono::steady_clock::time_point end);

struct simulation_options {
  int days = 1;
  std::uint64_t seed = 1;
  std::optional<int> pods;               // replace the config's pods with this many...
  std::optional<int> accounts_per_pod;   // ...of this many accounts each
  std::int64_t start_ms = 1'767'571'200'000;  // 2026-01-05T00:00:00Z, a Monday
  session_model_settings model;
};

// The config the simulation runs: `config` with synthetic pods when the
// options ask for them (pods default to 1, accounts to accountsPerPod).
std::shared_ptr<const config::troupe_config> simulated_config(const config::troupe_config& config,
                                                              const simulation_options& options);

// Runs the simulation and returns its report (see simulation_report).
boost::json::object run_simulation(std::shared_ptr<const config::troupe_config> config,
                                   const simulation_options& options);

}  // namespace troupe
