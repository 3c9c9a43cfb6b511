#include "runtime/cli/store_access.hpp"

#include <spdlog/spdlog.h>

#include <iostream>
#include <variant>

#include "runtime/ops/fatal_issues.hpp"
#include "runtime/store/migrations.hpp"
#include "runtime/system_clock.hpp"

namespace troupe::cli {
namespace {

// Why the database is not ready, and the open database when only its
// migrations failed.
struct not_ready {
  std::string kind;
  std::string message;
  std::string detail;
  std::optional<store::database> db;
};

// The database opened and migrated, or why not (logged).
std::variant<store::database, not_ready> open_and_migrate(const config::troupe_config& config) {
  auto db = store::database::open(config.db.url, config.db.busy_timeout_ms);
  if (!db) {
    spdlog::error("{}", db.failure().message);
    return not_ready{ops::store_unreachable, "the database cannot be opened at start", db.failure().message, {}};
  }
  auto applied = store::migrate(*db);
  if (!applied) {
    spdlog::error("migrating {} failed: {}", db->url_for_logs(), applied.failure().message);
    return not_ready{ops::migration_failed, "migrating " + db->url_for_logs() + " failed", applied.failure().message,
                     std::move(db).value()};
  }
  for (const auto& name : *applied) spdlog::info("applied migration {}", name);
  return std::move(db).value();
}

}  // namespace

std::optional<store::database> open_configured(const config::troupe_config& config) {
  auto db = store::database::open(config.db.url, config.db.busy_timeout_ms);
  if (!db) {
    std::cerr << db.failure().message << "\n";
    return std::nullopt;
  }
  return std::move(db).value();
}

std::optional<store::database> open_migrated(const config::troupe_config& config) {
  auto opened = open_and_migrate(config);
  if (auto* db = std::get_if<store::database>(&opened)) return std::move(*db);
  return std::nullopt;
}

std::optional<store::database> open_store_for_daemon(const config::troupe_config& config) {
  auto opened = open_and_migrate(config);
  if (auto* failed = std::get_if<not_ready>(&opened)) {
    record_fatal_issue(config, failed->kind, failed->message, failed->detail, failed->db ? &*failed->db : nullptr,
                       false);
    return std::nullopt;
  }
  auto& db = std::get<store::database>(opened);
  auto added = ops::store_fatal_issues_from_file(db, config, system_now_ms());
  if (!added) {
    spdlog::warn("the fatal issues of {} are not all in the database: {}",
                 ops::fatal_issue_file(config.aol.data_dir).string(), added.failure().message);
  } else if (*added > 0) {
    spdlog::info("stored {} fatal issues of earlier runs from {}", *added,
                 ops::fatal_issue_file(config.aol.data_dir).string());
  }
  return std::move(db);
}

void record_fatal_issue(const config::troupe_config& config, const std::string& kind, const std::string& message,
                        const std::string& detail, store::database* db, bool connect) {
  std::optional<store::database> connected;
  if (db == nullptr && connect) {
    if (auto opened = store::database::open(config.db.url, config.db.busy_timeout_ms)) {
      connected.emplace(std::move(opened).value());
      db = &*connected;
    }
  }
  ops::fatal_issue issue;
  issue.at_ms = system_now_ms();
  issue.kind = kind;
  issue.message = message;
  issue.detail = detail;
  const auto where = ops::record_fatal_issue(issue, config, db);
  const auto file = ops::fatal_issue_file(config.aol.data_dir).string();
  if (where.file) {
    spdlog::critical("fatal issue {} recorded in {}", kind, file);
  } else {
    spdlog::critical("fatal issue {}: {}", kind, where.file.failure().message);
  }
  if (!where.table) spdlog::warn("fatal issue {} not stored in the database: {}", kind, where.table.failure().message);
}

}  // namespace troupe::cli
