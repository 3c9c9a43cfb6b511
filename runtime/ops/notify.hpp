// Notifications to the operator's webhook (notify.url): what a source of
// alerts calls. `notify` puts the alerts into the open alert group on the
// durable action queue (runtime/store/alert_groups.hpp), or opens a new
// group due groupMs later (later still when notify.maxPerHour calls are
// scheduled within the hour: runtime/ops/alerts.hpp); the AOL loop sends
// each group as one NOTIFY_ALERTS call when it is due, with the queue's
// retries, backoff and DLQ. There is nothing to flush: a group goes out by
// itself once due, whoever called last.
//
// Sources: job:monitor (issues raised and resolved: monitor_issue_alert),
// fatal issues (runtime/ops/fatal_issues.hpp), decisions waiting for an
// operator's approval (runtime/pipeline/approval.hpp). An account parked in
// needs_recovery is notified as the monitor's account_parked issue.
//
//   ops::alert raised;
//   raised.labels = {{"alertname", "dlq_not_empty"}, {"severity", "warning"}};
//   raised.annotations = {{"summary", "3 actions in the DLQ"}};
//   raised.starts_at_ms = now;
//   ops::notify(db, config, {raised}, now);        // or notify(config, ...) without a connection
//   raised.status = ops::alert_status::resolved;   // later, the same labels
//   raised.ends_at_ms = later;
//   ops::notify(db, config, {raised}, later);
//
// Every alert gets the label node (this host) unless it has one; its
// fingerprint, when empty, is then made from its labels, so the same
// labels name the same condition when it fires and when it resolves.
// Secrets do not belong in labels or annotations: the caller redacts
// (config::redact_url_password, config::redact_webhook).
//
// Thread-safe: the functions share nothing but the database, and callers on
// several connections (or processes) may add to the same group at once; no
// alert is lost or doubled. Callers that find no open group at the same
// moment may each open one (a call more, not an alert more).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "runtime/ops/alerts.hpp"
#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::ops {

// Where the alerts went.
struct notified {
  std::int64_t action_id = 0;   // the group's NOTIFY_ALERTS action
  bool new_group = false;       // false: added to a group already open
  std::int64_t send_at_ms = 0;  // when the group is due (new groups only; 0 otherwise)
};

// Queues `alerts` for the webhook; nullopt when there is nothing to do
// (notify.url is empty, or no alerts).
result<std::optional<notified>> notify(store::database& db, const config::troupe_config& config,
                                       const std::vector<alert>& alerts, std::int64_t now_ms);

// The same on a connection of its own to config.db.
result<std::optional<notified>> notify(const config::troupe_config& config,
                                       const std::vector<alert>& alerts, std::int64_t now_ms);

// A monitor issue as an alert: alertname is the condition's kind (the id
// up to a ':'), subject the rest (the account, the directory), plus
// condition_id and severity; annotations summary (the title), description
// (the evidence) and suggested_action. Resolved when `resolved_at_ms` is set.
alert monitor_issue_alert(const std::string& condition_id, const std::string& severity,
                          const std::string& title, const std::string& evidence,
                          const std::string& suggested_action, std::int64_t first_seen_at_ms,
                          std::optional<std::int64_t> resolved_at_ms);

}  // namespace troupe::ops
