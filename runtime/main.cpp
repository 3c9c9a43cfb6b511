// The `troupe` executable: parses the command line and runs a subcommand.
#include <iostream>

#include "runtime/cli/aol_commands.hpp"
#include "runtime/cli/client_commands.hpp"
#include "runtime/cli/cluster_commands.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/cli/options.hpp"

namespace {

constexpr int exit_usage = 2;

int dispatch(const troupe::cli::command_line& line) {
  using troupe::cli::command_kind;
  switch (line.kind) {
    case command_kind::help:
      std::cout << line.help_text;
      return 0;
    case command_kind::version:
      std::cout << "troupe " << TROUPE_VERSION << "\n";
      return 0;
    case command_kind::run:
      return troupe::cli::run_command(line);
    case command_kind::check_config:
      return troupe::cli::check_config_command(line);
    case command_kind::migrate:
      return troupe::cli::migrate_command(line);
    case command_kind::tables:
      return troupe::cli::tables_command(line);
    case command_kind::simulate:
      return troupe::cli::simulate_command(line);
    case command_kind::status:
      return troupe::cli::status_command(line);
    case command_kind::actors:
      return troupe::cli::actors_command(line);
    case command_kind::daemon:
      return troupe::cli::daemon_command(line);
    case command_kind::enqueue:
      return troupe::cli::enqueue_command(line);
    case command_kind::actions:
      return troupe::cli::actions_command(line);
    case command_kind::flags:
      return troupe::cli::flags_command(line);
    case command_kind::decisions:
      return troupe::cli::decisions_command(line);
    case command_kind::report:
      return troupe::cli::report_command(line);
    case command_kind::diag:
      return troupe::cli::diag_command(line);
    case command_kind::summary:
      return troupe::cli::summary_command(line);
    case command_kind::nodes:
      return troupe::cli::nodes_command(line);
  }
  return exit_usage;
}

}  // namespace

int main(int argc, char* argv[]) {
  auto parsed = troupe::cli::parse_command_line(argc, argv);
  if (parsed.error) {
    std::cerr << "troupe: " << parsed.error->message << "\n\n" << parsed.error->usage;
    return exit_usage;
  }
  return dispatch(*parsed.command);
}
