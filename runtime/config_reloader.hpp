// Hot reload: holds the running config and its version, and replaces them
// when a reload (SIGHUP, a config file change, POST /admin/reload) loads a
// new config without error, unless it equals the running one. The new config is parsed and validated whole
// first, by the same loader `troupe check-config` uses; only then is it
// swapped in and handed to `apply` (which sends it down the actor tree). A
// config with errors changes nothing: the errors are kept as the last
// reload's result for the API and the console. Every reload is logged and
// counted in the metrics. Thread-safe; reloads are serialized. RAII: owns
// the thread that runs reload_later's reloads; the destructor runs those
// already queued, then joins it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/loader.hpp"
#include "runtime/metrics.hpp"
#include "runtime/serial_worker.hpp"

namespace troupe {

struct reload_record {
  std::int64_t at_ms = 0;
  std::string trigger;              // sighup, inotify, http
  bool ok = false;
  bool changed = false;              // ok, and not the config already running (which keeps its version)
  std::uint64_t config_version = 0; // the version running after the reload
  std::vector<std::string> errors;  // FILE:LINE:COL: key: message
};

class config_reloader {
 public:
  using loader = std::function<config::load_result()>;
  using applier = std::function<void(std::shared_ptr<const config::troupe_config>, std::uint64_t version)>;

  // Told on the reloading thread when each reload starts and when it has
  // ended, whatever its result (systemd hears RELOADING=1, then READY=1).
  struct reload_hooks {
    std::function<void()> started;
    std::function<void()> finished;
  };

  // `initial` runs as version 1, loaded from `files`.
  config_reloader(std::shared_ptr<const config::troupe_config> initial, std::vector<std::string> files,
                  loader load, applier apply, node_metrics& metrics, reload_hooks hooks = {});

  // Loads and validates the config again and applies it if it has no error.
  reload_record reload(const std::string& trigger, std::int64_t now_ms);

  // The same on the reloader's own thread, for callers that must not block
  // (the HTTP I/O thread, the file watcher, the signal loop): reading the
  // files may take long. Returns at once; `done` gets the record on that
  // thread. Returns false, and never calls `done`, when enough reloads are
  // queued already (each of them reads the files as they are when it runs).
  bool reload_later(const std::string& trigger, std::int64_t now_ms,
                    std::function<void(const reload_record&)> done = {});

  std::shared_ptr<const config::troupe_config> current() const;
  std::uint64_t version() const;
  std::vector<std::string> files() const;
  std::optional<reload_record> last_reload() const;

 private:
  void log(const reload_record& record);

  loader load_;
  applier apply_;
  reload_hooks hooks_;
  node_metrics& metrics_;
  mutable std::mutex mutex_;
  std::mutex reloading_;  // one reload at a time, without blocking readers
  std::shared_ptr<const config::troupe_config> current_;
  std::uint64_t version_ = 1;
  std::vector<std::string> files_;
  std::optional<reload_record> last_;
  serial_worker background_;  // last: its queued reloads run while the members above live
};

}  // namespace troupe
