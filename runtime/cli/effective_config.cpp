#include "runtime/cli/effective_config.hpp"

#include <iostream>

#include "config/loader.hpp"

namespace troupe::cli {

std::optional<std::shared_ptr<const config::troupe_config>> load_effective_config(
    const common_options& options) {
  auto loaded = config::load_config(options.config_files);
  for (const auto& finding : loaded.diagnostics) std::cerr << config::format(finding) << "\n";
  if (!loaded.ok()) return std::nullopt;
  auto effective = std::make_shared<config::troupe_config>(*loaded.config);
  if (options.db_url) effective->db.url = *options.db_url;
  if (options.log_level) effective->log.level = *options.log_level;
  return effective;
}

} // namespace troupe::cli
