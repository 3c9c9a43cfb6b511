// Item 5 (notifications): a decision waiting for an operator's approval is
// notified (firing) when its APPROVE_DECISION action asks, and resolved
// once it is answered or skipped; on SQLite and PostgreSQL.
#include <boost/json.hpp>

#include "runtime/pipeline/approval.hpp"
#include "runtime/store/alert_groups.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_claims.hpp"
#include "tests/store/scratch_database.hpp"

using namespace troupe;
using troupe::store::backend;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;
namespace json = boost::json;

namespace {

constexpr std::int64_t start_ms = 1'795'780'800'000;

struct approval_fixture {
  explicit approval_fixture(backend kind) : scratch(kind) {
    config.db.url = scratch.url();
    config.notify.url = "http://127.0.0.1:9/hooks/alerts";
  }

  // A post waiting for approval, with its APPROVE_DECISION action.
  store::content_decision waiting(const std::string& id) {
    store::content_decision decision;
    decision.decision_id = id;
    decision.account_id = "acct-1";
    decision.content = "a post that needs a human";
    decision.status = store::decision_status::awaiting_approval;
    decision.pipeline_source = "plan";
    REQUIRE_OK(store::insert_decision(scratch.db(), decision, start_ms));
    REQUIRE_OK(pipeline::request_approval(scratch.db(), decision, start_ms));
    auto loaded = store::load_decision(scratch.db(), id);
    REQUIRE_OK(loaded);
    return **loaded;
  }

  // Claims the decision's action and runs the adapter on it, recording a
  // question as the loop does.
  aol::adapter_outcome run_approval(const store::content_decision& decision) {
    auto claimed = store::claim_due_actions(scratch.db(), "loop", start_ms + 1000, 60'000, 10);
    REQUIRE_OK(claimed);
    REQUIRE(claimed->size() == 1);
    const auto& action = claimed->front();
    REQUIRE(action.id == *decision.aol_action_id);
    aol::adapter_context context;
    context.config = std::make_shared<const config::troupe_config>(config);
    auto outcome = pipeline::approval_adapter(config.db)(action, context);
    if (outcome.result == aol::adapter_outcome::kind::needs_decision) {
      REQUIRE_OK(
          store::request_decision(scratch.db(), action.id, action.lease_token, start_ms + 1000));
    }
    return outcome;
  }

  // The alerts of the queued alert groups.
  std::vector<json::object> alerts() {
    store::action_query query;
    query.type = store::alert_group_action;
    auto listed = store::list_actions(scratch.db(), query);
    REQUIRE_OK(listed);
    std::vector<json::object> found;
    for (const auto& group : *listed) {
      const auto parsed = json::parse(group.payload_json);  // alive for the loop
      for (const auto& alert : parsed.at("alerts").as_array()) {
        found.push_back(alert.as_object());
      }
    }
    return found;
  }

  migrated_database scratch;
  config::troupe_config config;
};

}  // namespace

TEST_CASE("a decision waiting for approval is notified when asked and resolved when answered") {
  const backend kind = GENERATE(from_range(test_backends()));
  approval_fixture fx(kind);
  const auto decision = fx.waiting("d-1");
  CHECK(fx.run_approval(decision).result == aol::adapter_outcome::kind::needs_decision);
  auto alerts = fx.alerts();
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].at("status").as_string() == "firing");
  CHECK(alerts[0].at("labels").at("alertname").as_string() == "decision_awaiting_approval");
  CHECK(alerts[0].at("labels").at("decision_id").as_string() == "d-1");
  CHECK(alerts[0].at("labels").at("account").as_string() == "acct-1");
  CHECK(alerts[0].at("annotations").at("description").as_string() == "a post that needs a human");

  auto decided = store::decide_action(fx.scratch.db(), *decision.aol_action_id,
                                      pipeline::approve_decision, start_ms);
  REQUIRE_OK(decided);
  REQUIRE(*decided);
  CHECK(fx.run_approval(decision).result == aol::adapter_outcome::kind::succeeded);
  alerts = fx.alerts();
  REQUIRE(alerts.size() == 1);  // the group was still open: the same alert, resolved
  CHECK(alerts[0].at("status").as_string() == "resolved");
  CHECK(alerts[0].at("labels").at("decision_id").as_string() == "d-1");
}

TEST_CASE(
    "a decision whose approval timed out is resolved in the notifications when it is skipped") {
  const backend kind = GENERATE(from_range(test_backends()));
  approval_fixture fx(kind);
  const auto decision = fx.waiting("d-2");
  CHECK(fx.run_approval(decision).result == aol::adapter_outcome::kind::needs_decision);
  auto timed_out = store::skip_expired_decisions(fx.scratch.db(), start_ms + 2000, 1);
  REQUIRE_OK(timed_out);
  REQUIRE(*timed_out == 1);
  auto settled = pipeline::settle_approvals(fx.scratch.db(), fx.config, start_ms + 3000);
  REQUIRE_OK(settled);
  CHECK(*settled == 1);
  const auto alerts = fx.alerts();
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].at("status").as_string() == "resolved");
}

TEST_CASE("without notify.url an approval queues no notification") {
  const backend kind = GENERATE(from_range(test_backends()));
  approval_fixture fx(kind);
  fx.config.notify.url.clear();
  CHECK(fx.run_approval(fx.waiting("d-3")).result == aol::adapter_outcome::kind::needs_decision);
  CHECK(fx.alerts().empty());
}
