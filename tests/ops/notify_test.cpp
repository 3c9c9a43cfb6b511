// Item 5 (notifications): the pure side of alert groups — fingerprints,
// coalescing, the rate limit and the Alertmanager-shaped message.
#include "runtime/ops/notify.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "runtime/ops/alerts.hpp"
#include "runtime/time_units.hpp"

using namespace troupe::ops;
namespace json = boost::json;

namespace {

using troupe::time_units::hour_ms;

alert firing(const std::string& name, std::int64_t at_ms) {
  alert out;
  out.labels = {{"alertname", name}, {"severity", "warning"}, {"node", "n1"}};
  out.annotations = {{"summary", name + " happened"}};
  out.starts_at_ms = at_ms;
  return out;
}

alert resolved(alert firing_alert, std::int64_t at_ms) {
  firing_alert.status = alert_status::resolved;
  firing_alert.ends_at_ms = at_ms;
  return firing_alert;
}

troupe::config::notify_config limits(std::int64_t group_ms, int max_per_hour) {
  troupe::config::notify_config config;
  config.url = "http://127.0.0.1:9/hooks";
  config.group_ms = group_ms;
  config.max_per_hour = max_per_hour;
  return config;
}

}  // namespace

TEST_CASE("a fingerprint is 16 hex digits that depend on every label and nothing else") {
  const auto a = fingerprint_of({{"alertname", "dlq_not_empty"}, {"node", "n1"}});
  CHECK(a.size() == 16);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(fingerprint_of({{"node", "n1"}, {"alertname", "dlq_not_empty"}}) == a);
  CHECK(fingerprint_of({{"alertname", "dlq_not_empty"}, {"node", "n2"}}) != a);
  CHECK(fingerprint_of({{"alertname", "dlq_not_emptyn"}, {"ode", "n1"}}) != a);
}

TEST_CASE(
    "a group holds one alert per fingerprint and the latest state of a flapping condition wins") {
  const auto disk = firing("low_disk", 1000);
  const auto dlq = firing("dlq_not_empty", 2000);
  auto grouped = coalesce({}, {disk, dlq});
  REQUIRE(grouped.size() == 2);
  CHECK(grouped[0].fingerprint == fingerprint_of(disk.labels));

  // The disk fills, frees and fills again within the window: one alert, as it stands now.
  grouped = coalesce(grouped, {resolved(disk, 3000)});
  grouped = coalesce(grouped, {firing("low_disk", 4000)});
  REQUIRE(grouped.size() == 2);
  CHECK(grouped[0].labels.at("alertname") == "low_disk");
  CHECK(grouped[0].status == alert_status::firing);
  CHECK(grouped[0].starts_at_ms == 4000);
  CHECK_FALSE(grouped[0].ends_at_ms);
  CHECK(grouped[1].labels.at("alertname") == "dlq_not_empty");

  // Fired and resolved within the window: sent once, resolved, with both times.
  grouped = coalesce(grouped, {resolved(dlq, 5000)});
  CHECK(grouped[1].status == alert_status::resolved);
  CHECK(grouped[1].starts_at_ms == 2000);
  CHECK(grouped[1].ends_at_ms == 5000);
}

TEST_CASE("a new group waits groupMs, and longer when the hour's calls are used up") {
  const auto config = limits(30'000, 3);
  const std::int64_t now = 10 * hour_ms;
  CHECK(next_send_at_ms({}, config, now) == now + 30'000);
  // Two calls in the last hour leave room for a third.
  CHECK(next_send_at_ms({now - 100'000, now - 50'000}, config, now) == now + 30'000);
  // Three: the next waits until the oldest of them is an hour old.
  CHECK(next_send_at_ms({now - 50'000, now - 100'000, now - 200'000}, config, now) ==
        now - 200'000 + hour_ms);
  // Calls older than the hour before the send do not count.
  CHECK(next_send_at_ms({now - 50'000, now - 100'000, now + 30'000 - hour_ms}, config, now) ==
        now + 30'000);
  // With one call an hour, each group waits for the hour after the last.
  CHECK(next_send_at_ms({now - 1000}, limits(0, 1), now) == now - 1000 + hour_ms);
}

TEST_CASE("a rate-limited stream of groups never puts more than maxPerHour calls in any hour") {
  const auto config = limits(1000, 4);
  std::vector<std::int64_t> sent;
  std::int64_t now = 0;
  for (int group = 0; group < 40; ++group) {
    const auto at = next_send_at_ms(sent, config, now);
    sent.push_back(at);
    now = at + 1;  // the next group opens once this one went out
  }
  for (const auto start : sent) {
    const auto within = std::count_if(sent.begin(), sent.end(), [&](std::int64_t at) {
      return at >= start && at < start + hour_ms;
    });
    CHECK(within <= config.max_per_hour);
  }
}

TEST_CASE("the webhook message has the fields of Alertmanager's webhook") {
  auto disk = firing("low_disk", 1'795'773'600'000);  // 2026-11-27T10:00:00Z
  disk.labels["subject"] = "/var/lib/troupe";
  const auto dlq = resolved(firing("dlq_not_empty", 1'795'773'600'250), 1'795'773'660'000);
  const auto message = webhook_message(coalesce({}, {disk, dlq}), "notify:1:abc");

  CHECK(message.at("version").as_string() == "4");
  CHECK(message.at("groupKey").as_string() == "notify:1:abc");
  CHECK(message.at("status").as_string() == "firing");  // one of them still fires
  CHECK(message.at("receiver").as_string() == "troupe");
  CHECK(message.at("truncatedAlerts").as_int64() == 0);
  CHECK(message.at("groupLabels").as_object().empty());
  CHECK(message.at("commonLabels").as_object() ==
        json::object{{"node", "n1"}, {"severity", "warning"}});
  CHECK(message.at("commonAnnotations").as_object().empty());
  CHECK(message.at("externalURL").is_string());
  const auto& alerts = message.at("alerts").as_array();
  REQUIRE(alerts.size() == 2);
  const auto& first = alerts[0].as_object();
  CHECK(first.at("status").as_string() == "firing");
  CHECK(first.at("labels").at("subject").as_string() == "/var/lib/troupe");
  CHECK(first.at("annotations").at("summary").as_string() == "low_disk happened");
  CHECK(first.at("startsAt").as_string() == "2026-11-27T10:00:00.000Z");
  CHECK(first.at("endsAt").as_string() == "0001-01-01T00:00:00Z");
  CHECK(first.at("fingerprint").as_string() == fingerprint_of(disk.labels));
  CHECK(first.at("generatorURL").is_string());
  const auto& second = alerts[1].as_object();
  CHECK(second.at("status").as_string() == "resolved");
  CHECK(second.at("startsAt").as_string() == "2026-11-27T10:00:00.250Z");
  CHECK(second.at("endsAt").as_string() == "2026-11-27T10:01:00.000Z");

  const auto all_resolved = webhook_message({dlq}, "notify:2:def");
  CHECK(all_resolved.at("status").as_string() == "resolved");
}

TEST_CASE("a stored message gives back the alerts it was made of") {
  auto disk = firing("low_disk", 1'795'780'800'123);
  const auto dlq = resolved(firing("dlq_not_empty", 1'795'780'800'000), 1'795'780'900'000);
  const auto grouped = coalesce({}, {disk, dlq});
  const auto stored = json::parse(json::serialize(webhook_message(grouped, "k"))).as_object();
  auto read = alerts_of_message(stored);
  REQUIRE(read.ok());
  REQUIRE(read->size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK((*read)[i].fingerprint == grouped[i].fingerprint);
    CHECK((*read)[i].status == grouped[i].status);
    CHECK((*read)[i].starts_at_ms == grouped[i].starts_at_ms);
    CHECK((*read)[i].ends_at_ms == grouped[i].ends_at_ms);
    CHECK((*read)[i].labels == grouped[i].labels);
    CHECK((*read)[i].annotations == grouped[i].annotations);
  }
  CHECK_FALSE(alerts_of_message(json::object{{"message", "hi"}}).ok());
}

TEST_CASE("a monitor issue becomes an alert named after its condition, resolved once it is") {
  const auto raised =
      monitor_issue_alert("account_parked:acct-1", "warning", "acct-1 is parked",
                          "every recovery step failed", "clear it", 1000, std::nullopt);
  CHECK(raised.status == alert_status::firing);
  CHECK(raised.labels.at("alertname") == "account_parked");
  CHECK(raised.labels.at("subject") == "acct-1");
  CHECK(raised.labels.at("condition_id") == "account_parked:acct-1");
  CHECK(raised.labels.at("severity") == "warning");
  CHECK(raised.annotations.at("summary") == "acct-1 is parked");
  CHECK(raised.annotations.at("description") == "every recovery step failed");
  CHECK(raised.annotations.at("suggested_action") == "clear it");
  CHECK(raised.starts_at_ms == 1000);

  const auto cleared = monitor_issue_alert("account_parked:acct-1", "warning", "acct-1 is parked",
                                           "every recovery step failed", "clear it", 1000, 5000);
  CHECK(cleared.status == alert_status::resolved);
  CHECK(cleared.ends_at_ms == 5000);
  CHECK(fingerprint_of(cleared.labels) == fingerprint_of(raised.labels));  // the same condition

  const auto whole =
      monitor_issue_alert("dlq_not_empty", "critical", "t", "e", "a", 1, std::nullopt);
  CHECK(whole.labels.count("subject") == 0);
}
