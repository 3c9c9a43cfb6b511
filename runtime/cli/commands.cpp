#include "runtime/cli/commands.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "config/flags.hpp"
#include "config/loader.hpp"
#include "runtime/cli/effective_config.hpp"
#include "runtime/logging.hpp"
#include "runtime/daemon.hpp"
#include "runtime/self_test.hpp"
#include "runtime/signals.hpp"
#include "runtime/store/accounts.hpp"
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

// SIGHUP reloads: the new config is validated whole first and applied only
// if it has no error; the running config stays otherwise.
void reload(daemon_tree& tree, const common_options& options, std::uint64_t& version) {
  auto loaded = load_effective_config(options);
  if (!loaded) {
    spdlog::error("SIGHUP: config has errors; keeping config version {}", version);
    return;
  }
  tree.apply_config(*loaded, ++version);
  spdlog::info("SIGHUP: config version {} applied: {}", version, config::config_summary(**loaded));
}

std::optional<std::string> unknown_pod(const config::troupe_config& config, const std::vector<std::string>& pods) {
  for (const auto& name : pods) {
    auto found = std::find_if(config.pods.begin(), config.pods.end(),
                              [&](const config::pod_config& pod) { return pod.name == name; });
    if (found == config.pods.end()) return name;
  }
  return std::nullopt;
}

// Clears the running flags a crash left behind, before any account starts.
bool prepare_store(const config::troupe_config& config) {
  auto db = open_migrated(config);
  if (!db) return false;
  auto cleared = store::clear_stale_running(*db);
  if (!cleared) {
    spdlog::error("{}", cleared.failure().message);
    return false;
  }
  if (*cleared > 0) spdlog::warn("cleared {} stale running flags left by a previous run", *cleared);
  spdlog::info("database {} ready", db->url_for_logs());
  return true;
}

// The simulated driver installed beside this executable.
std::string sibling_sim_driver() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string("sim-driver") : (self.parent_path() / "sim-driver").string();
}

int self_test_command(const command_line& line) {
  auto config = load_effective_config(line.common);
  if (!config) return exit_bad_input;
  configure_console_logging(line.common.log_level.value_or("warn"));
  self_test_options options;
  options.driver_program = line.run.driver.value_or(sibling_sim_driver());
  const auto outcome = run_self_test(**config, options, [](const self_test_check& check) {
    std::cout << (check.passed ? "PASS " : "FAIL ") << check.name << ": " << check.detail << std::endl;
  });
  if (!outcome.kept_directory.empty()) std::cout << "artifacts kept in " << outcome.kept_directory << "\n";
  std::cout << (outcome.passed ? "self-test passed" : "self-test FAILED") << std::endl;
  spdlog::shutdown();
  return outcome.passed ? exit_ok : exit_failure;
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
  if (line.run.self_test) return self_test_command(line);
  control_signals signals;  // before any thread starts, so every thread inherits the mask
  auto config = load_effective_config(line.common);
  if (!config) return exit_bad_input;
  if (auto pod = unknown_pod(**config, line.run.pods)) {
    std::cerr << "troupe run: --pod " << *pod << ": no such pod in the config\n";
    return exit_bad_input;
  }
  if (auto logging = configure_logging((*config)->log, line.common.log_level); !logging) {
    std::cerr << "troupe: " << logging.failure().message << "\n";
    return exit_bad_input;
  }
  spdlog::flush_every(std::chrono::seconds(1));
  log_start_summary(**config, line.common.config_files);
  if (!prepare_store(**config)) return exit_failure;

  std::uint64_t version = 1;
  daemon_tree tree(*config, daemon_options{line.run.pods, line.run.driver});
  spdlog::info("actor tree up; running until SIGINT or SIGTERM");
  for (;;) {
    int signal_number = signals.wait();
    if (signal_number == SIGHUP && !tree.escalated()) {
      reload(tree, line.common, version);
      continue;
    }
    if (tree.escalated()) {
      spdlog::critical("the supervisor gave up; stopping");
    } else {
      spdlog::info("received {}; draining", strsignal(signal_number));
    }
    break;
  }
  const int cut_short = tree.stop();
  spdlog::info("stopped cleanly ({} sessions cut short)", cut_short);
  spdlog::shutdown();
  return tree.escalated() ? exit_failure : exit_ok;
}

} // namespace troupe::cli
