// `troupe daemon`: the autonomous operations loop alone, in the foreground.
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "config/flags.hpp"
#include "runtime/aol/adapters.hpp"
#include "runtime/aol/loop.hpp"
#include "runtime/cli/aol_commands.hpp"
#include "runtime/cli/effective_config.hpp"
#include "runtime/cli/exit_codes.hpp"
#include "runtime/cli/store_access.hpp"
#include "runtime/effect_gates.hpp"
#include "runtime/logging.hpp"
#include "runtime/pipeline/posting.hpp"
#include "runtime/signals.hpp"

namespace troupe::cli {
namespace {

// The loop of `troupe daemon`: the built-in adapters, sessions run directly
// by the driver, one line per tick on stdout.
aol::loop_options loop_options_for(const command_line& line,
                                   std::shared_ptr<const config::troupe_config> config,
                                   std::function<void()> on_last_tick) {
  aol::loop_options options;
  options.config = std::move(config);
  // No account actors here: RUN_SESSION waits for a `troupe run` (no_runner).
  options.adapters = aol::builtin_adapters(aol::no_session_runner());
  pipeline::add_content_adapters(options.adapters, options.config->db);
  options.proof_at_start = config::aol_proof_from_environment(std::getenv);
  options.driver_program = line.run.driver.value_or("");
  options.force_proof = line.daemon.proof;
  options.max_ticks = line.daemon.ticks;
  const auto ticks = line.daemon.ticks;
  options.on_tick = [ticks, on_last_tick = std::move(on_last_tick)](const aol::tick_report& report) {
    std::cout << aol::tick_line(report) << std::endl;
    if (ticks && report.index >= *ticks) on_last_tick();
  };
  return options;
}

}  // namespace

int daemon_command(const command_line& line) {
  control_signals signals;  // before any thread starts, so every thread inherits the mask
  if (line.daemon.ticks && *line.daemon.ticks < 1) {
    std::cerr << "troupe daemon: --ticks must be at least 1\n";
    return exit_bad_input;
  }
  auto loaded = load_with_overrides(line.common);
  for (const auto& finding : loaded.diagnostics) std::cerr << config::format(finding) << "\n";
  if (!loaded.ok()) return exit_bad_input;
  const auto config = loaded.config;
  if (auto logging = configure_logging(config->log, line.common.log_level); !logging) {
    std::cerr << "troupe: " << logging.failure().message << "\n";
    return exit_bad_input;
  }
  const log_drain drain;
  spdlog::flush_every(std::chrono::seconds(1));
  spdlog::info("troupe {} daemon: the AOL loop alone{}", TROUPE_VERSION,
               line.daemon.proof ? ", PROOF mode" : "");
  spdlog::info("safety: {}", effect_gates_summary(effective_flags(*config), {}));
  if (!open_store_for_daemon(*config)) return exit_failure;

  // The last tick wakes the main thread through the signal it waits for.
  const pthread_t main_thread = ::pthread_self();
  std::atomic<bool> ticks_done{false};
  auto loop = aol::aol_loop::start(loop_options_for(line, config, [&ticks_done, main_thread] {
    ticks_done.store(true);
    ::pthread_kill(main_thread, SIGTERM);
  }));
  if (!loop) {
    spdlog::critical("{}", loop.failure().message);
    return exit_failure;
  }
  spdlog::info("AOL loop {} running until SIGINT or SIGTERM", loop->owner());
  for (;;) {
    const int signal_number = signals.wait();
    if (signal_number != SIGHUP) {
      if (!ticks_done.load()) spdlog::info("received {}; stopping", strsignal(signal_number));
      break;
    }
    spdlog::warn("SIGHUP: troupe daemon does not reload its config; restart it to apply changes");
  }
  loop->stop();
  spdlog::info("AOL loop stopped");
  return exit_ok;
}

}  // namespace troupe::cli
