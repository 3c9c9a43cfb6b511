// The operations sections: monitor, report, cleanup, notify.
#include <fmt/format.h>

#include "config/secrets.hpp"
#include "config/validator.hpp"

namespace troupe::config {

void validate_ops(const troupe_config& config, findings& found) {
  const auto& monitor = config.monitor;
  found.above<std::int64_t>("monitor.heartbeatTimeoutMs", monitor.heartbeat_timeout_ms, 0);
  found.at_least("monitor.backlogTicks", monitor.backlog_ticks, 2);
  found.at_least("monitor.errorStreak", monitor.error_streak, 1);
  found.at_least<std::int64_t>("monitor.minFreeDiskBytes", monitor.min_free_disk_bytes, 0);
  found.at_least("monitor.noPostHours", monitor.no_post_hours, 1);
  found.at_least<std::int64_t>("monitor.resolvedShownMs", monitor.resolved_shown_ms, 0);
  found.at_least<std::int64_t>("report.everyMs", config.report.every_ms, 0);
  if (config.report.every_ms > 0 && config.report.every_ms < 1000) {
    found.error("report.everyMs", fmt::format("must be 0 (off) or >= 1000 (got {})", config.report.every_ms));
  }
  found.at_least("cleanup.keepDays", config.cleanup.keep_days, 1);
  const auto& notify = config.notify;
  if (!notify.url.empty() && notify.url.rfind("http://", 0) != 0) {
    found.error("notify.url", fmt::format("expected an http:// URL, got \"{}\"", redact_webhook(notify.url)));
  }
  found.at_least<std::int64_t>("notify.groupMs", notify.group_ms, 0);
  found.at_least("notify.maxPerHour", notify.max_per_hour, 1);
}

}  // namespace troupe::config
