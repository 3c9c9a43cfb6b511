#include "runtime/ops/alerts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <functional>

#include "runtime/http/query.hpp"
#include "runtime/policy/local_time.hpp"
#include "runtime/time_units.hpp"

namespace troupe::ops {
namespace {

namespace json = boost::json;

using time_units::hour_ms;
// Alertmanager's "no end yet": Go's zero time.
constexpr const char* zero_time = "0001-01-01T00:00:00Z";

json::object string_map_json(const std::map<std::string, std::string>& values) {
  json::object out;
  for (const auto& [name, value] : values) out[name] = value;
  return out;
}

result<std::map<std::string, std::string>> string_map_of(const json::value* value,
                                                         const char* field) {
  std::map<std::string, std::string> out;
  if (value == nullptr || !value->is_object())
    return error{std::string("an alert's ") + field + " must be an object"};
  for (const auto& entry : value->as_object()) {
    if (!entry.value().is_string())
      return error{std::string("an alert's ") + field + " must hold strings"};
    out[std::string(entry.key())] = std::string(entry.value().as_string());
  }
  return out;
}

// The pairs every map of `maps` holds alike.
std::map<std::string, std::string> common_pairs(
    const std::vector<const std::map<std::string, std::string>*>& maps) {
  if (maps.empty()) return {};
  auto common = *maps.front();
  for (const auto* other : maps) {
    for (auto it = common.begin(); it != common.end();) {
      const auto found = other->find(it->first);
      it =
          (found == other->end() || found->second != it->second) ? common.erase(it) : std::next(it);
    }
  }
  return common;
}

json::object alert_json(const alert& one) {
  return {
      {"status", to_string(one.status)},
      {"labels", string_map_json(one.labels)},
      {"annotations", string_map_json(one.annotations)},
      {"startsAt", policy::iso_utc_time(one.starts_at_ms)},
      {"endsAt", one.ends_at_ms ? policy::iso_utc_time(*one.ends_at_ms) : std::string(zero_time)},
      {"generatorURL", ""},
      {"fingerprint", one.fingerprint.empty() ? fingerprint_of(one.labels) : one.fingerprint}};
}

result<std::string> string_of(const json::object& object, const char* field) {
  const auto* value = object.if_contains(field);
  if (value == nullptr || !value->is_string())
    return error{std::string("an alert needs the string ") + field};
  return std::string(value->as_string());
}

result<alert> alert_of(const json::value& value) {
  if (!value.is_object()) return error{"an alert must be an object"};
  const auto& object = value.as_object();
  alert out;
  auto status = string_of(object, "status");
  auto fingerprint = string_of(object, "fingerprint");
  auto starts = string_of(object, "startsAt");
  auto ends = string_of(object, "endsAt");
  for (const auto* field : {&status, &fingerprint, &starts, &ends}) {
    if (!*field) return field->failure();
  }
  if (*status != "firing" && *status != "resolved")
    return error{"an alert's status is firing or resolved"};
  out.status = *status == "firing" ? alert_status::firing : alert_status::resolved;
  out.fingerprint = *fingerprint;
  auto starts_ms = http::parse_timestamp_ms(*starts);
  if (!starts_ms) return error{"an alert's startsAt: " + starts_ms.failure().message};
  out.starts_at_ms = *starts_ms;
  if (*ends != zero_time) {
    auto ends_ms = http::parse_timestamp_ms(*ends);
    if (!ends_ms) return error{"an alert's endsAt: " + ends_ms.failure().message};
    out.ends_at_ms = *ends_ms;
  }
  auto labels = string_map_of(object.if_contains("labels"), "labels");
  if (!labels) return labels.failure();
  auto annotations = string_map_of(object.if_contains("annotations"), "annotations");
  if (!annotations) return annotations.failure();
  out.labels = std::move(*labels);
  out.annotations = std::move(*annotations);
  return out;
}

}  // namespace

const char* to_string(alert_status status) {
  return status == alert_status::firing ? "firing" : "resolved";
}

std::string fingerprint_of(const std::map<std::string, std::string>& labels) {
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a offset basis
  auto mix = [&hash](const std::string& text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 1099511628211ULL;  // FNV prime
    }
    hash ^= 0xff;  // a separator no label text holds
    hash *= 1099511628211ULL;
  };
  for (const auto& [name, value] : labels) {  // std::map: sorted by name
    mix(name);
    mix(value);
  }
  return fmt::format("{:016x}", hash);
}

std::vector<alert> coalesce(std::vector<alert> grouped, const std::vector<alert>& incoming) {
  for (auto one : incoming) {
    if (one.fingerprint.empty()) one.fingerprint = fingerprint_of(one.labels);
    auto same = std::find_if(grouped.begin(), grouped.end(), [&](const alert& other) {
      return other.fingerprint == one.fingerprint;
    });
    if (same == grouped.end()) {
      grouped.push_back(std::move(one));
    } else {
      *same = std::move(one);
    }
  }
  return grouped;
}

std::int64_t next_send_at_ms(std::vector<std::int64_t> scheduled_ms,
                             const config::notify_config& config, std::int64_t now_ms) {
  const auto earliest = now_ms + config.group_ms;
  const auto allowed = static_cast<std::size_t>(std::max(1, config.max_per_hour));
  // Only calls within the hour before the earliest send can be in its way.
  scheduled_ms.erase(std::remove_if(scheduled_ms.begin(), scheduled_ms.end(),
                                    [&](std::int64_t at) { return at <= earliest - hour_ms; }),
                     scheduled_ms.end());
  if (scheduled_ms.size() < allowed) return earliest;
  // The allowed-th latest call must have left the sliding hour.
  std::sort(scheduled_ms.begin(), scheduled_ms.end(), std::greater<>());
  return std::max(earliest, scheduled_ms[allowed - 1] + hour_ms);
}

json::object webhook_message(const std::vector<alert>& alerts, const std::string& group_key) {
  json::array listed;
  std::vector<const std::map<std::string, std::string>*> labels, annotations;
  bool firing = false;
  for (const auto& one : alerts) {
    listed.push_back(alert_json(one));
    labels.push_back(&one.labels);
    annotations.push_back(&one.annotations);
    firing = firing || one.status == alert_status::firing;
  }
  return {{"version", "4"},
          {"groupKey", group_key},
          {"truncatedAlerts", 0},
          {"status", firing ? "firing" : "resolved"},
          {"receiver", alert_receiver},
          {"groupLabels", json::object{}},
          {"commonLabels", string_map_json(common_pairs(labels))},
          {"commonAnnotations", string_map_json(common_pairs(annotations))},
          {"externalURL", ""},
          {"alerts", std::move(listed)}};
}

result<std::vector<alert>> alerts_of_message(const json::object& message) {
  const auto* version = message.if_contains("version");
  const auto* listed = message.if_contains("alerts");
  if (version == nullptr || !version->is_string() || version->as_string() != "4" ||
      listed == nullptr || !listed->is_array()) {
    return error{"not an alert group: version \"4\" and alerts[] expected"};
  }
  std::vector<alert> alerts;
  for (const auto& value : listed->as_array()) {
    auto one = alert_of(value);
    if (!one) return one.failure();
    alerts.push_back(std::move(*one));
  }
  return alerts;
}

}  // namespace troupe::ops
