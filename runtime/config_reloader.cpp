#include "runtime/config_reloader.hpp"

#include <spdlog/spdlog.h>

#include "config/json.hpp"

namespace troupe {
namespace {

// Reloads waiting on the background thread; more would only read the same files again.
constexpr std::size_t max_queued_reloads = 4;

}  // namespace

config_reloader::config_reloader(std::shared_ptr<const config::troupe_config> initial,
                                 std::vector<std::string> files, loader load, applier apply,
                                 node_metrics& metrics, reload_hooks hooks)
    : load_(std::move(load)),
      apply_(std::move(apply)),
      hooks_(std::move(hooks)),
      metrics_(metrics),
      current_(std::move(initial)),
      files_(std::move(files)),
      background_(max_queued_reloads) {}

reload_record config_reloader::reload(const std::string& trigger, std::int64_t now_ms) {
  std::lock_guard<std::mutex> one_at_a_time(reloading_);
  if (hooks_.started) hooks_.started();
  auto loaded = load_();
  reload_record record;
  record.at_ms = now_ms;
  record.trigger = trigger;
  record.ok = loaded.ok();
  for (const auto& finding : loaded.diagnostics) {
    if (finding.level == config::severity::error) record.errors.push_back(config::format(finding));
  }
  std::uint64_t version;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // The same config again (a file saved twice, SIGHUP and inotify for one
    // edit) keeps its version: nothing to send down the tree.
    record.changed = record.ok && (loaded.files != files_ || config::to_json(*loaded.config) != config::to_json(*current_));
    if (record.changed) {
      current_ = loaded.config;
      files_ = loaded.files;
      ++version_;
    }
    version = version_;
    record.config_version = version;
    last_ = record;
  }
  if (record.changed) apply_(loaded.config, version);
  log(record);
  if (hooks_.finished) hooks_.finished();
  return record;
}

bool config_reloader::reload_later(const std::string& trigger, std::int64_t now_ms,
                                   std::function<void(const reload_record&)> done) {
  return background_.post([this, trigger, now_ms, done = std::move(done)] {
    const auto record = reload(trigger, now_ms);
    if (done) done(record);
  });
}

void config_reloader::log(const reload_record& record) {
  metrics_.config_reloaded(record.ok);
  if (record.ok) {
    spdlog::info(record.changed ? "{}: config version {} applied" : "{}: config unchanged; version {} stays",
                 record.trigger, record.config_version);
    return;
  }
  for (const auto& line : record.errors) spdlog::error("{}: {}", record.trigger, line);
  spdlog::error("{}: config has errors; keeping config version {}", record.trigger, record.config_version);
}

std::shared_ptr<const config::troupe_config> config_reloader::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

std::uint64_t config_reloader::version() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return version_;
}

std::vector<std::string> config_reloader::files() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return files_;
}

std::optional<reload_record> config_reloader::last_reload() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_;
}

}  // namespace troupe
