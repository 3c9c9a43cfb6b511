#include "runtime/ops/report_writer.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "runtime/ops/status_report.hpp"

namespace troupe::ops {
namespace {

// While writing is off, how often the config is looked at again.
constexpr std::chrono::minutes recheck_when_off{1};

std::string file_stamp(std::int64_t now_ms) {
  const std::time_t seconds = now_ms / 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

// Writes `text` to `path` through a temporary file, so a reader never sees half a report.
status write_whole(const std::filesystem::path& path, const std::string& text) {
  const auto temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    if (!out.flush()) return error{"cannot write " + temporary};
  }
  std::error_code failed;
  std::filesystem::rename(temporary, path, failed);
  if (failed) return error{"cannot write " + path.string() + ": " + failed.message()};
  return {};
}

}  // namespace

result<std::string> write_report_files(const boost::json::object& report, const std::string& data_dir,
                                       std::int64_t now_ms) {
  const auto directory = std::filesystem::path(data_dir) / "reports";
  std::error_code failed;
  std::filesystem::create_directories(directory, failed);
  if (failed) return error{"cannot create " + directory.string() + ": " + failed.message()};
  const auto base = directory / ("report-" + file_stamp(now_ms));
  if (auto written = write_whole(base.string() + ".json", boost::json::serialize(report) + "\n"); !written) {
    return written.failure();
  }
  if (auto written = write_whole(base.string() + ".txt", report_text(report)); !written) return written.failure();
  return base.string() + ".json";
}

report_writer::report_writer(std::function<std::shared_ptr<const config::troupe_config>()> config,
                             std::function<boost::json::object()> build, std::function<std::int64_t()> now_ms)
    : config_(std::move(config)), build_(std::move(build)), now_ms_(std::move(now_ms)), thread_([this] { run(); }) {}

report_writer::~report_writer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void report_writer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    const auto config = config_();
    const auto every = config->report.every_ms;
    const auto wait = every > 0 ? std::chrono::milliseconds(every)
                                : std::chrono::duration_cast<std::chrono::milliseconds>(recheck_when_off);
    if (wake_.wait_for(lock, wait, [this] { return stopping_; })) return;
    if (every <= 0 || config_()->report.every_ms <= 0) continue;
    lock.unlock();
    auto written = write_report_files(build_(), config_()->aol.data_dir, now_ms_());
    if (!written) spdlog::warn("[REPORT] {}", written.failure().message);
    lock.lock();
  }
}

}  // namespace troupe::ops
