// How a subcommand reaches the configured database: opened and migrated, so
// that every command that reads or writes the store sees the current schema.
#pragma once

#include <optional>

#include "config/config.hpp"
#include "runtime/store/database.hpp"

namespace troupe::cli {

// Opens and migrates the configured database, logging what it did (the
// migrations applied, or why it failed); nullopt on failure.
std::optional<store::database> open_migrated(const config::troupe_config& config);

}  // namespace troupe::cli
