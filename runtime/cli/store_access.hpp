// How a subcommand reaches the configured database: opened and migrated, so
// that every command that reads or writes the store sees the current schema.
// The daemons (`troupe run`, `troupe daemon`) also record a fatal issue
// (runtime/ops/fatal_issues.hpp) when they give up for want of it.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "runtime/store/database.hpp"

namespace troupe::cli {

// Opens the configured database as it is (no migration), for commands that
// only look; says on stderr why it cannot, and returns nullopt then.
std::optional<store::database> open_configured(const config::troupe_config& config);

// Opens and migrates the configured database, logging what it did (the
// migrations applied, or why it failed); nullopt on failure.
std::optional<store::database> open_migrated(const config::troupe_config& config);

// open_migrated for a daemon: a database that cannot be opened
// (store_unreachable) or migrated (migration_failed) is recorded as a fatal
// issue before nullopt is returned. Once the database is ready, the fatal
// issues earlier runs could only write to their file are stored and
// notified.
std::optional<store::database> open_store_for_daemon(const config::troupe_config& config);

// Records that the daemon gives up (`kind`, `message`, `detail`): in the
// data directory's file always, and in the table (with its notification)
// when `db` is given or, with `connect`, when the configured database
// answers. Logs where it went.
void record_fatal_issue(const config::troupe_config& config, const std::string& kind, const std::string& message,
                        const std::string& detail, store::database* db, bool connect);

}  // namespace troupe::cli
