// Item 5 (notifications) end to end on virtual time: alerts from the
// monitor, a fatal issue and an approval queued with ops::notify, sent by
// the loop's ticks to a real webhook receiver on 127.0.0.1 — grouped,
// retried after a 500, rate limited, shaped as Alertmanager's, no secret.
#include <boost/json.hpp>

#include "runtime/ops/fatal_issues.hpp"
#include "runtime/ops/notify.hpp"
#include "runtime/store/alert_groups.hpp"
#include "runtime/store/aol_control_flags.hpp"
#include "tests/aol_loop/loop_fixtures.hpp"
#include "tests/support/webhook_receiver.hpp"

using namespace troupe;
using namespace troupe::aol;
using namespace troupe::aol::testing;
using troupe::store::backend;
using troupe::store::testing::test_backends;
using troupe::testing::webhook_receiver;
namespace json = boost::json;

namespace {

constexpr std::int64_t hour_ms = 3'600'000;

ops::alert raised(const std::string& name, std::int64_t at_ms) {
  return ops::monitor_issue_alert(name, "warning", name + " holds", "the evidence", "what to do",
                                  at_ms, std::nullopt);
}

void notify(tick_fixture& fx, const std::vector<ops::alert>& alerts) {
  auto queued = ops::notify(fx.db(), fx.config, alerts, fx.clock.now());
  REQUIRE_OK(queued);
  REQUIRE(*queued);
}

std::vector<store::action> alert_groups(store::database& db) {
  store::action_query query;
  query.type = store::alert_group_action;
  auto listed = store::list_actions(db, query);
  REQUIRE_OK(listed);
  return *listed;
}

std::vector<std::string> alert_names(const std::string& body) {
  std::vector<std::string> names;
  const auto parsed = json::parse(body);  // alive for the loop
  for (const auto& alert : parsed.at("alerts").as_array()) {
    names.emplace_back(alert.at("labels").at("alertname").as_string());
  }
  return names;
}

// A tick runner with the built-in adapters on the fixture's config as it is now.
std::unique_ptr<tick_runner> runner_for(tick_fixture& fx) {
  return std::make_unique<tick_runner>(fx.env(builtin_adapters(no_session_runner())), 1);
}

}  // namespace

TEST_CASE(
    "alerts raised within notify.groupMs reach the webhook in one call shaped as Alertmanager's") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  webhook_receiver receiver(200);
  fx.config.notify.url = receiver.url("/hooks/alerts") + "?token=webhook-token";
  fx.config.notify.group_ms = 30'000;
  REQUIRE_OK(store::set_control_flag(fx.db(), "proof", true,
                                     fx.clock.now()));  // alerts go out in PROOF mode too
  const auto start = fx.clock.now();

  notify(fx, {raised("dlq_not_empty", start)});
  fx.clock.advance(1000);
  // A flapping condition: resolved, then firing again, within the window.
  auto disk = raised("low_disk:/var/lib/troupe", fx.clock.now());
  notify(fx, {disk});
  disk.status = ops::alert_status::resolved;
  disk.ends_at_ms = fx.clock.now() + 500;
  fx.clock.advance(500);
  notify(fx, {disk});
  fx.clock.advance(500);
  notify(fx, {raised("low_disk:/var/lib/troupe", fx.clock.now())});
  // A fatal issue whose detail names the database URL with its password.
  auto with_secret = fx.config;
  with_secret.db.url = "postgresql://troupe:hunter2-secret@db.example:5432/troupe";
  ops::fatal_issue issue;
  issue.at_ms = fx.clock.now();
  issue.kind = ops::store_unreachable;
  issue.message = "the database cannot be opened at start";
  issue.detail = "cannot open database " + with_secret.db.url + ": connection refused";
  REQUIRE_OK(ops::record_fatal_issue(issue, with_secret, &fx.db()).table);

  auto runner = runner_for(fx);
  held_tick(*runner, fx.db());
  CHECK(receiver.calls().empty());  // the window is still open
  fx.clock.set(start + 30'000);
  held_tick(*runner, fx.db());

  REQUIRE(receiver.calls().size() == 1);
  const auto call = receiver.calls()[0];
  CHECK(call.target == "/hooks/alerts?token=webhook-token");
  CHECK(call.content_type == "application/json");
  CHECK(call.body.find("hunter2-secret") == std::string::npos);
  CHECK(call.body.find("webhook-token") == std::string::npos);
  const auto message = json::parse(call.body).as_object();
  CHECK(message.at("version").as_string() == "4");
  CHECK(message.at("status").as_string() == "firing");
  CHECK(message.at("receiver").as_string() == "troupe");
  CHECK(std::string(message.at("groupKey").as_string()).rfind("notify:", 0) == 0);
  CHECK(message.at("commonLabels").as_object().contains("node"));
  CHECK(alert_names(call.body) ==
        std::vector<std::string>{"dlq_not_empty", "low_disk", "fatal_issue"});
  for (const auto& alert : message.at("alerts").as_array()) {
    for (const char* field :
         {"status", "labels", "annotations", "startsAt", "endsAt", "fingerprint"}) {
      INFO(field);
      CHECK(alert.as_object().contains(field));
    }
    CHECK(alert.at("fingerprint").as_string().size() == 16);
  }
  const auto& flapped = message.at("alerts").as_array()[1];
  CHECK(flapped.at("status").as_string() == "firing");
  CHECK(flapped.at("labels").at("subject").as_string() == "/var/lib/troupe");
  CHECK(alert_groups(fx.db()).at(0).status == store::action_status::succeeded);
}

TEST_CASE("a webhook call answered 500 is retried after the backoff and delivered once") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  webhook_receiver receiver({500, 200});
  fx.config.notify.url = receiver.url("/hooks/alerts");
  fx.config.notify.group_ms = 1000;
  fx.config.aol.backoff.base_ms = 5000;
  fx.config.aol.backoff.jitter = 0;
  notify(fx, {raised("dlq_not_empty", fx.clock.now()), raised("lease_lost", fx.clock.now())});
  auto runner = runner_for(fx);
  fx.clock.advance(1000);
  held_tick(*runner, fx.db());
  REQUIRE(receiver.calls().size() == 1);
  CHECK(receiver.calls()[0].answered == 500);
  CHECK(alert_groups(fx.db()).at(0).status == store::action_status::retry);

  fx.clock.advance(4000);
  held_tick(*runner, fx.db());
  CHECK(receiver.calls().size() == 1);  // not before the backoff
  fx.clock.advance(1000);
  held_tick(*runner, fx.db());
  REQUIRE(receiver.calls().size() == 2);
  CHECK(receiver.calls()[1].answered == 200);
  CHECK(receiver.calls()[1].body == receiver.calls()[0].body);
  CHECK(alert_names(receiver.calls()[1].body) ==
        std::vector<std::string>{"dlq_not_empty", "lease_lost"});
  const auto group = alert_groups(fx.db()).at(0);
  CHECK(group.status == store::action_status::succeeded);
  CHECK(group.attempts == 2);

  fx.clock.advance(60'000);
  held_tick(*runner, fx.db());
  CHECK(receiver.calls().size() == 2);
}

TEST_CASE("no more than notify.maxPerHour calls go out in an hour: later alerts wait together") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  webhook_receiver receiver(200);
  fx.config.notify.url = receiver.url("/hooks/alerts");
  fx.config.notify.group_ms = 1000;
  fx.config.notify.max_per_hour = 2;
  auto runner = runner_for(fx);
  const auto start = fx.clock.now();
  // A condition that flaps every 5 minutes for an hour.
  for (int flap = 0; flap < 12; ++flap) {
    fx.clock.set(start + flap * 300'000);
    auto flapping = raised("backlog_growing", fx.clock.now());
    if (flap % 2 == 1) {
      flapping.status = ops::alert_status::resolved;
      flapping.ends_at_ms = fx.clock.now();
    }
    notify(fx, {flapping, raised("flap_" + std::to_string(flap), fx.clock.now())});
    fx.clock.advance(1000);
    held_tick(*runner, fx.db());
  }
  CHECK(receiver.calls().size() == 2);
  // The third group waited for the first call to be an hour old, gathering meanwhile.
  fx.clock.set(start + 1000 + hour_ms);
  held_tick(*runner, fx.db());
  REQUIRE(receiver.calls().size() == 3);
  const auto names = alert_names(receiver.calls()[2].body);
  CHECK(names.size() == 11);  // backlog_growing once, flap_2 .. flap_11
  CHECK(std::count(names.begin(), names.end(), "backlog_growing") == 1);
  const auto message = json::parse(receiver.calls()[2].body);
  CHECK(message.at("alerts").as_array()[0].at("status").as_string() ==
        "resolved");  // as it stood last
}
