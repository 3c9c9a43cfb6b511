// Decoding the operations sections: monitor, report, cleanup, notify.
#include "config/decoder.hpp"

namespace troupe::config {
namespace {

void decode_monitor(yaml_reader& reader, const YAML::Node& node, const std::string& path, monitor_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("heartbeatTimeoutMs", out.heartbeat_timeout_ms);
  fields.read("backlogTicks", out.backlog_ticks);
  fields.read("errorStreak", out.error_streak);
  fields.read("minFreeDiskBytes", out.min_free_disk_bytes);
  fields.read("noPostHours", out.no_post_hours);
  fields.read("resolvedShownMs", out.resolved_shown_ms);
  fields.report_unknown_keys();
}

void decode_report(yaml_reader& reader, const YAML::Node& node, const std::string& path, report_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("everyMs", out.every_ms);
  fields.report_unknown_keys();
}

void decode_cleanup(yaml_reader& reader, const YAML::Node& node, const std::string& path, cleanup_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("keepDays", out.keep_days);
  fields.report_unknown_keys();
}

void decode_notify(yaml_reader& reader, const YAML::Node& node, const std::string& path, notify_config& out) {
  mapping_reader fields(reader, node, path);
  fields.read("url", out.url);
  fields.read("groupMs", out.group_ms);
  fields.read("maxPerHour", out.max_per_hour);
  fields.report_unknown_keys();
}

}  // namespace

section_decoders ops_section_decoders() {
  return {
      {"monitor", decode_into(decode_monitor, &troupe_config::monitor)},
      {"report", decode_into(decode_report, &troupe_config::report)},
      {"cleanup", decode_into(decode_cleanup, &troupe_config::cleanup)},
      {"notify", decode_into(decode_notify, &troupe_config::notify)},
  };
}

}  // namespace troupe::config
