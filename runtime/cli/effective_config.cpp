#include "runtime/cli/effective_config.hpp"

#include <iostream>

#include "config/flags.hpp"
#include "config/loader.hpp"
#include <cstdlib>

namespace troupe::cli {

config::load_result load_with_overrides(const common_options& options) {
  auto loaded = config::load_config(options.config_files);
  if (!loaded.ok()) return loaded;
  auto effective = std::make_shared<config::troupe_config>(*loaded.config);
  if (options.db_url) effective->db.url = *options.db_url;
  if (options.log_level) effective->log.level = *options.log_level;
  loaded.config = std::move(effective);
  return loaded;
}

std::optional<std::shared_ptr<const config::troupe_config>> load_effective_config(
    const common_options& options) {
  auto loaded = load_with_overrides(options);
  for (const auto& finding : loaded.diagnostics) std::cerr << config::format(finding) << "\n";
  if (!loaded.ok()) return std::nullopt;
  return loaded.config;
}

config::flags_config effective_flags(const config::troupe_config& config) {
  return config::apply_environment(config.flags, std::getenv);
}

}  // namespace troupe::cli
