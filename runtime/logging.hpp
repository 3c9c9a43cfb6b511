// Process-wide logging on spdlog: a console sink (stderr) plus an optional
// rotating file (plain text or JSON lines). `configure_logging` replaces the
// default logger; call it from the main thread before other threads log.
// Logging itself is thread-safe (spdlog's _mt sinks).
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "runtime/result.hpp"

namespace troupe {

// Sets up the default logger from `settings`; `level_override` (from
// --log-level) wins over settings.level. Fails on an unknown level or a log
// file that cannot be opened.
status configure_logging(const config::log_config& settings,
                         const std::optional<std::string>& level_override);

// Console-only logging at `level`, for commands that run before (or without)
// a config, such as check-config.
void configure_console_logging(const std::string& level);

} // namespace troupe
