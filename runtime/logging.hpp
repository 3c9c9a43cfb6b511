// Process-wide logging on spdlog: a console sink (stderr) plus an optional
// rotating file (plain text or JSON lines). `configure_logging` replaces the
// default logger; call it from the main thread before other threads log.
// Logging itself is thread-safe (spdlog's _mt sinks); the daemon's logger
// writes on a thread of its own, so call spdlog::shutdown() before exiting
// to write out the lines still queued.
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

// Writes out the log lines still queued and stops the logging thread
// (spdlog::shutdown); a line logged later goes to the console (warnings and
// worse), never to a logger that is gone.
void drain_logging();

// Calls drain_logging when it goes out of scope: made right after
// configure_logging, before what logs while it stops, so that it ends last.
class log_drain {
 public:
  log_drain() = default;
  ~log_drain();
  log_drain(const log_drain&) = delete;
  log_drain& operator=(const log_drain&) = delete;
};

// Console-only logging at `level`, for commands that run before (or without)
// a config, such as check-config.
void configure_console_logging(const std::string& level);

} // namespace troupe
