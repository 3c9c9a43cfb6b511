#include "runtime/cli/store_access.hpp"

#include <spdlog/spdlog.h>

#include "runtime/store/migrations.hpp"

namespace troupe::cli {

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

}  // namespace troupe::cli
