// Command-line parsing for the `troupe` executable: the subcommand and its
// options, or the usage text to print. Pure: reads only argv.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace troupe::cli {

// Options shared by every subcommand that loads config or touches the store.
struct common_options {
  std::vector<std::string> config_files; // --config FILE (repeatable, merged in order)
  std::optional<std::string> db_url;     // --db URL (wins over db.url)
  std::optional<std::string> log_level;  // --log-level LEVEL (wins over log.level)
};

enum class command_kind { help, version, run, check_config, migrate, tables };

struct command_line {
  command_kind kind = command_kind::help;
  common_options common;
  std::string help_text;                 // for command_kind::help
};

// A parse failure: the message and the usage of the subcommand involved.
struct usage_error {
  std::string message;
  std::string usage;
};

struct parse_result {
  std::optional<command_line> command;
  std::optional<usage_error> error;
};

parse_result parse_command_line(int argc, const char* const argv[]);

} // namespace troupe::cli
