#include "runtime/cli/commands.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

#include "config/flags.hpp"
#include "config/loader.hpp"
#include "runtime/cli/effective_config.hpp"
#include "runtime/logging.hpp"
#include "runtime/signals.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/migrations.hpp"

namespace troupe::cli {
namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_bad_input = 2;

const char* environment_lookup(const char* name) { return std::getenv(name); }

// Opens and migrates the configured database, logging what it did.
std::optional<store::database> open_migrated(const config::troupe_config& config) {
  auto db = store::database::open(config.db.url, config.db.busy_timeout_ms);
  if (!db) {
    spdlog::error("{}", db.failure().message);
    return std::nullopt;
  }
  auto applied = store::migrate(*db);
  if (!applied) {
    spdlog::error("migrating {} failed: {}", db->url_for_logs(), applied.failure().message);
    return std::nullopt;
  }
  for (const auto& name : *applied) spdlog::info("applied migration {}", name);
  return std::move(db).value();
}

void log_start_summary(const config::troupe_config& config, const std::vector<std::string>& files) {
  spdlog::info("troupe {} starting; config from {}", TROUPE_VERSION,
               files.empty() ? std::string("built-in defaults") : fmt::format("{}", fmt::join(files, ", ")));
  spdlog::info("config: {}", config::config_summary(config));
  spdlog::info("flags: {}",
               config::flags_summary(config::apply_environment(config.flags, environment_lookup)));
}

// SIGHUP re-validates the config files so an operator learns at once whether
// an edit would load; the running config stays until a reload can apply it.
void report_reload_check(const std::vector<std::string>& files) {
  auto loaded = config::load_config(files);
  for (const auto& finding : loaded.diagnostics) spdlog::warn("{}", config::format(finding));
  if (loaded.ok()) {
    spdlog::info("SIGHUP: config files validate ({} warnings)", loaded.diagnostics.size());
  } else {
    spdlog::error("SIGHUP: config has {} errors; keeping the running config", loaded.error_count());
  }
}

}  // namespace

int check_config_command(const command_line& line) {
  auto loaded = config::load_config(line.common.config_files);
  for (const auto& finding : loaded.diagnostics) std::cout << config::format(finding) << "\n";
  if (!loaded.ok()) return exit_bad_input;
  std::cout << "ok\n";
  return exit_ok;
}

int migrate_command(const command_line& line) {
  auto config = load_effective_config(line.common);
  if (!config) return exit_bad_input;
  configure_console_logging((*config)->log.level);
  auto db = open_migrated(**config);
  if (!db) return exit_failure;
  std::cout << "database " << db->url_for_logs() << " is up to date\n";
  return exit_ok;
}

int tables_command(const command_line& line) {
  auto config = load_effective_config(line.common);
  if (!config) return exit_bad_input;
  configure_console_logging((*config)->log.level);
  auto db = store::database::open((*config)->db.url, (*config)->db.busy_timeout_ms);
  if (!db) {
    std::cerr << db.failure().message << "\n";
    return exit_failure;
  }
  auto tables = store::check_tables(*db);
  if (!tables) {
    std::cerr << tables.failure().message << "\n";
    return exit_failure;
  }
  bool all_present = true;
  for (const auto& table : *tables) {
    std::cout << (table.present ? "present  " : "MISSING  ") << table.name << "\n";
    all_present = all_present && table.present;
  }
  return all_present ? exit_ok : exit_bad_input;
}

int run_command(const command_line& line) {
  control_signals signals;  // before any thread starts, so every thread inherits the mask
  auto config = load_effective_config(line.common);
  if (!config) return exit_bad_input;
  if (auto logging = configure_logging((*config)->log, line.common.log_level); !logging) {
    std::cerr << "troupe: " << logging.failure().message << "\n";
    return exit_bad_input;
  }
  spdlog::flush_every(std::chrono::seconds(1));
  log_start_summary(**config, line.common.config_files);
  auto db = open_migrated(**config);
  if (!db) return exit_failure;
  spdlog::info("database {} ready; running until SIGINT or SIGTERM", db->url_for_logs());
  for (;;) {
    int signal_number = signals.wait();
    if (signal_number != SIGHUP) {
      spdlog::info("received {}; stopping", strsignal(signal_number));
      break;
    }
    report_reload_check(line.common.config_files);
  }
  spdlog::info("stopped cleanly");
  spdlog::shutdown();
  return exit_ok;
}

} // namespace troupe::cli
