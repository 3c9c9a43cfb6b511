// The configuration a subcommand works with: the files of --config loaded
// and validated by the shared validator, then the command-line overrides
// (--db, --log-level) applied. Diagnostics go to stderr as FILE:LINE:COL.
#pragma once

#include <memory>
#include <optional>

#include "config/config.hpp"
#include "config/loader.hpp"
#include "runtime/cli/options.hpp"

namespace troupe::cli {

// The files of --config loaded and validated, with --db and --log-level
// applied to the config when there is one. Prints nothing.
config::load_result load_with_overrides(const common_options& options);

// The effective config, or nullopt after printing every error.
std::optional<std::shared_ptr<const config::troupe_config>> load_effective_config(
    const common_options& options);

// The safety flags in force: the config's with the process environment applied.
config::flags_config effective_flags(const config::troupe_config& config);

} // namespace troupe::cli
