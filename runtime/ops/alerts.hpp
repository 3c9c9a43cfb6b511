// Alerts for the operator's webhook (notify.*) and how they are grouped: the
// payload is Alertmanager's webhook message (version "4"), so a receiver
// written for Alertmanager takes Troupe's notifications as they are.
//
// Grouping: alerts raised within notify.groupMs of the first one go out in
// one call. Within a group there is one alert per fingerprint, the latest
// winning: a condition that fires, resolves and fires again inside the
// window is sent once, as it stands when the call goes out. Rate limit: at
// most notify.maxPerHour calls in any sliding hour; a group that would
// exceed it waits (and keeps gathering alerts) until the hour has room.
//
// Pure functions of (alerts, config, time); thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "runtime/result.hpp"

namespace troupe::ops {

enum class alert_status { firing, resolved };

// "firing" or "resolved".
const char* to_string(alert_status status);

// One alert, as Alertmanager has them.
struct alert {
  std::string fingerprint;  // names the condition; empty: fingerprint_of(labels)
  alert_status status = alert_status::firing;
  std::int64_t starts_at_ms = 0;
  std::optional<std::int64_t> ends_at_ms;          // when it resolved; unset while firing
  std::map<std::string, std::string> labels;       // alertname, severity, node, the subject ...
  std::map<std::string, std::string> annotations;  // summary, description, suggested_action ...
};

// The receiver Troupe's messages name.
constexpr const char* alert_receiver = "troupe";

// 16 hex digits hashing the labels (FNV-1a, 64 bits, over the sorted
// "name=value" pairs): the same labels give the same fingerprint.
std::string fingerprint_of(const std::map<std::string, std::string>& labels);

// `incoming` added to a group: one alert per fingerprint, the latest
// winning, in the order the fingerprints first arrived. Alerts without a
// fingerprint get fingerprint_of(labels).
std::vector<alert> coalesce(std::vector<alert> grouped, const std::vector<alert>& incoming);

// When a new group may be sent: groupMs after `now_ms`, or, when
// maxPerHour calls are scheduled already within the hour before that, once
// the oldest of those is an hour old. `scheduled_ms` are the times the
// recent groups were (or will be) sent, in any order.
std::int64_t next_send_at_ms(std::vector<std::int64_t> scheduled_ms,
                             const config::notify_config& config, std::int64_t now_ms);

// The webhook message of a group: version "4", status (firing while any
// alert fires), receiver, groupKey, truncatedAlerts, groupLabels (none:
// Troupe groups by time), commonLabels and commonAnnotations (those every
// alert has alike), externalURL (empty) and alerts[], each with status,
// labels, annotations, startsAt, endsAt (RFC 3339 UTC; a firing alert ends
// at "0001-01-01T00:00:00Z", as Alertmanager writes it), generatorURL
// (empty) and fingerprint.
boost::json::object webhook_message(const std::vector<alert>& alerts, const std::string& group_key);

// The alerts of a message webhook_message made (a group still waiting gets
// more), or why it is not such a message.
result<std::vector<alert>> alerts_of_message(const boost::json::object& message);

}  // namespace troupe::ops
