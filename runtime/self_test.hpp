// `troupe run --test`: the whole runtime (store actor, supervisor, pod,
// account, session actors, driver processes) exercised once against a
// driver, normally the simulated one, in a temporary database: one session
// of every configured activity, then one forced failure that the recovery
// must repair. Each check reports pass or fail as it completes.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "config/config.hpp"

namespace troupe {

struct self_test_check {
  std::string name;
  bool passed = false;
  std::string detail;
};

struct self_test_options {
  std::string driver_program;  // run in place of drivers.command
  std::chrono::milliseconds phase_timeout{std::chrono::seconds(60)};
  double driver_time_scale = 0.01;  // SIM_DRIVER_TIME_SCALE, unless the config sets one
};

// The config the self-test runs: `base`'s activities and recovery steps in a
// temporary directory, one pod of one account, an all-day mood and short
// delays, so that each check takes seconds. Pure; exposed for tests.
config::troupe_config self_test_config(const config::troupe_config& base, const std::string& directory,
                                       const self_test_options& options);

// The same config with every activity's weight zero but `activity`'s.
config::troupe_config only_activity(config::troupe_config config, const std::string& activity);

struct self_test_outcome {
  bool passed = false;         // every check passed
  std::string kept_directory;  // the temporary directory, kept when a check failed
};

// Runs every check, calling `report` after each. The temporary directory is
// removed when all pass and kept for the operator to look into otherwise.
self_test_outcome run_self_test(const config::troupe_config& base, const self_test_options& options,
                                const std::function<void(const self_test_check&)>& report);

}  // namespace troupe
