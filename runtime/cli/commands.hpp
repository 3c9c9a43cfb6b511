// The `troupe` subcommands. Each takes the parsed command line and returns
// the process exit status: 0 success, 1 a runtime failure (database
// unreachable, ...), 2 bad input (usage, config errors, missing tables).
#pragma once

#include "runtime/cli/options.hpp"

namespace troupe::cli {

int check_config_command(const command_line& line);
int migrate_command(const command_line& line);
int tables_command(const command_line& line);
int run_command(const command_line& line);
int simulate_command(const command_line& line);

} // namespace troupe::cli
