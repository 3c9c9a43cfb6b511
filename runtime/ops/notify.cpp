#include "runtime/ops/notify.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>
#include <random>
#include <thread>

#include "runtime/host_name.hpp"
#include "runtime/store/alert_groups.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/time_units.hpp"

namespace troupe::ops {
namespace {

namespace json = boost::json;

using time_units::hour_ms;
// Adding to a group races with other callers and with the loop's claim;
// each lost race reads the queue again after a short random pause (so that
// racing callers fall out of step). More losses than this in a row would
// mean something else is wrong.
constexpr int max_tries = 30;
constexpr int max_pause_ms = 10;

void pause_after_lost_race() {
  thread_local std::minstd_rand random{std::random_device{}()};
  std::this_thread::sleep_for(std::chrono::milliseconds(random() % (max_pause_ms + 1)));
}

std::vector<alert> with_node_and_fingerprint(std::vector<alert> alerts) {
  const auto node = host_name();
  for (auto& one : alerts) {
    one.labels.emplace("node", node);
    if (one.fingerprint.empty()) one.fingerprint = fingerprint_of(one.labels);
  }
  return alerts;
}

enum class try_outcome { done, no_open_group, lost_race };

struct attempt {
  try_outcome outcome = try_outcome::done;
  notified where;
};

// Writes `alerts` into the open group, if there is one.
result<attempt> add_to_open_group(store::database& db, const std::vector<alert>& alerts,
                                  std::int64_t now_ms) {
  auto open = store::load_open_alert_group(db);
  if (!open) return open.failure();
  if (!*open) return attempt{try_outcome::no_open_group, {}};
  boost::system::error_code parse_failure;
  auto stored = json::parse((*open)->payload_json, parse_failure);
  if (parse_failure || !stored.is_object())
    return error{"alert group " + std::to_string((*open)->id) + " is not JSON"};
  auto grouped = alerts_of_message(stored.as_object());
  if (!grouped)
    return error{"alert group " + std::to_string((*open)->id) + ": " + grouped.failure().message};
  const auto* key = stored.as_object().if_contains("groupKey");
  const std::string group_key =
      key != nullptr && key->is_string() ? std::string(key->as_string()) : "";
  const auto payload =
      json::serialize(webhook_message(coalesce(std::move(*grouped), alerts), group_key));
  auto amended =
      store::amend_open_alert_group(db, (*open)->id, (*open)->payload_json, payload, now_ms);
  if (!amended) return amended.failure();
  if (!*amended) return attempt{try_outcome::lost_race, {}};
  return attempt{try_outcome::done, {(*open)->id, false, 0}};
}

// Opens a new group holding `alerts`, due when the rate limit allows.
result<attempt> open_group(store::database& db, const config::troupe_config& config,
                           const std::vector<alert>& alerts, std::int64_t now_ms) {
  auto scheduled = store::alert_group_send_times(db, now_ms - hour_ms - config.notify.group_ms);
  if (!scheduled) return scheduled.failure();
  store::new_action request;
  request.type = store::alert_group_action;
  // Unique per group, the same for callers that open one at the same instant for the same alert.
  request.idempotency_key = fmt::format("notify:{}:{}", now_ms, alerts.front().fingerprint);
  request.payload_json =
      json::serialize(webhook_message(coalesce({}, alerts), request.idempotency_key));
  request.run_at_ms = next_send_at_ms(std::move(*scheduled), config.notify, now_ms);
  request.max_attempts = config.aol.max_attempts;
  auto queued = store::enqueue_action(db, request, now_ms);
  if (!queued) return queued.failure();
  if (!queued->created) return attempt{try_outcome::lost_race, {}};
  return attempt{try_outcome::done, {queued->queued.id, true, *request.run_at_ms}};
}

}  // namespace

result<std::optional<notified>> notify(store::database& db, const config::troupe_config& config,
                                       const std::vector<alert>& alerts, std::int64_t now_ms) {
  if (config.notify.url.empty() || alerts.empty()) return std::optional<notified>{};
  const auto labelled = with_node_and_fingerprint(alerts);
  for (int tries = 0; tries < max_tries; ++tries) {
    auto added = add_to_open_group(db, labelled, now_ms);
    if (!added) return added.failure();
    if (added->outcome == try_outcome::no_open_group)
      added = open_group(db, config, labelled, now_ms);
    if (!added) return added.failure();
    if (added->outcome == try_outcome::done) return std::optional<notified>(added->where);
    pause_after_lost_race();
  }
  return error{"cannot queue the alerts: the open alert group kept changing"};
}

result<std::optional<notified>> notify(const config::troupe_config& config,
                                       const std::vector<alert>& alerts, std::int64_t now_ms) {
  if (config.notify.url.empty() || alerts.empty()) return std::optional<notified>{};
  auto db = store::database::open(config.db.url, config.db.busy_timeout_ms);
  if (!db) return db.failure();
  return notify(*db, config, alerts, now_ms);
}

alert monitor_issue_alert(const std::string& condition_id, const std::string& severity,
                          const std::string& title, const std::string& evidence,
                          const std::string& suggested_action, std::int64_t first_seen_at_ms,
                          std::optional<std::int64_t> resolved_at_ms) {
  const auto colon = condition_id.find(':');
  alert out;
  out.labels = {{"alertname", condition_id.substr(0, colon)},
                {"condition_id", condition_id},
                {"severity", severity}};
  if (colon != std::string::npos) out.labels["subject"] = condition_id.substr(colon + 1);
  out.annotations = {
      {"summary", title}, {"description", evidence}, {"suggested_action", suggested_action}};
  out.starts_at_ms = first_seen_at_ms;
  out.ends_at_ms = resolved_at_ms;
  out.status = resolved_at_ms ? alert_status::resolved : alert_status::firing;
  return out;
}

}  // namespace troupe::ops
