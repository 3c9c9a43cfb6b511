// The monitor's conditions and their bookkeeping, as pure functions: each
// condition raised by the snapshot that shows it (and only by it), issues
// kept open while found and resolved when not, conditions whose source did
// not answer left open, the backlog trend, the lease grace, the totals.
#include "runtime/ops/monitor.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "runtime/ops/monitor_board.hpp"
#include "runtime/ops/monitor_job.hpp"
#include "runtime/ops/tree_probe.hpp"
#include "runtime/time_units.hpp"
#include "tests/support/fixed_time.hpp"

using namespace troupe;
using namespace troupe::ops;

namespace {

using troupe::time_units::hour_ms;

// A node where nothing is wrong, an hour after it started.
node_snapshot healthy() {
  node_snapshot node;
  node.now_ms = t0;
  node.started_at_ms = t0 - hour_ms;
  node.lease = {"node-a", std::string("node-a"), t0 + hour_ms, t0};
  node.supervisor_answered = true;
  node.accounts = {{"acct-1", "idle", false, 0, ""}, {"acct-2", "running", false, 1, "hard_error"}};
  node.disks = {{"/data", 10ULL << 30}};
  node.binary_path = "/usr/bin/troupe";
  return node;
}

std::vector<std::string> ids_of(const evaluation& judged) {
  std::vector<std::string> ids;
  for (const auto& item : judged.found) ids.push_back(item.condition_id);
  return ids;
}

std::vector<std::string> found_in(const node_snapshot& node, const config::troupe_config& config = {}) {
  return ids_of(evaluate(node, {}, config));
}

}  // namespace

TEST_CASE("a healthy node raises nothing", "[ops][monitor]") {
  CHECK(found_in(healthy()).empty());
}

TEST_CASE("each condition is raised by the snapshot that shows it and by nothing else", "[ops][monitor]") {
  config::troupe_config config;
  auto node = healthy();
  using ids = std::vector<std::string>;

  SECTION("the database") {
    node.database_error = "connection refused";
    CHECK(found_in(node) == ids{"database_unreachable"});
  }
  SECTION("the dead-letter queue") {
    node.dlq_actions = 2;
    CHECK(found_in(node) == ids{"dlq_not_empty"});
  }
  SECTION("the lease held by another node") {
    node.lease.holder = "node-b";
    const auto judged = evaluate(node, {}, config);
    REQUIRE(ids_of(judged) == ids{"aol_lease"});
    CHECK(judged.found[0].level == severity::warning);
    CHECK_THAT(judged.found[0].evidence, Catch::Matchers::Contains("node-b"));
  }
  SECTION("the lease lost") {
    node.lease.expires_at_ms = t0 - 1;
    const auto judged = evaluate(node, {}, config);
    REQUIRE(ids_of(judged) == ids{"aol_lease"});
    CHECK(judged.found[0].level == severity::critical);
  }
  SECTION("the lease judged by the database's clock, whatever the node's says") {
    node.now_ms = t0 + 2 * hour_ms;  // this node's clock runs two hours ahead
    CHECK(found_in(node).empty());
    node.now_ms = t0;
    node.lease.read_at_ms = t0 + hour_ms + 1;  // the database says it expired
    CHECK(found_in(node) == ids{"aol_lease"});
  }
  SECTION("the supervisor silent") {
    node.supervisor_answered = false;
    CHECK(found_in(node) == ids{"actor_heartbeat_stale"});
  }
  SECTION("an actor silent") {
    node.silent_actors = {"account:acct-3"};
    CHECK(found_in(node) == ids{"actor_heartbeat_stale"});
  }
  SECTION("an account parked") {
    node.accounts[0] = {"acct-1", "parked", true, 3, "hard_error: crashed"};
    CHECK(found_in(node) == ids{"account_parked:acct-1"});
  }
  SECTION("an error streak") {
    node.accounts[1].error_streak = config.monitor.error_streak;
    CHECK(found_in(node) == ids{"error_streak:acct-2"});
  }
  SECTION("the driver asks for its owner (exit 3)") {
    node.accounts[0] = {"acct-1", "parked", true, 1, "auth_required: log in again"};
    CHECK(found_in(node) == ids{"driver_auth_required:acct-1"});
  }
  SECTION("the harvester's whoami says logged out") {
    node.harvester_logged_out = {"acct-2"};
    CHECK(found_in(node) == ids{"driver_auth_required:acct-2"});
  }
  SECTION("low disk") {
    node.disks[0].free_bytes = static_cast<std::uint64_t>(config.monitor.min_free_disk_bytes) - 1;
    CHECK(found_in(node) == ids{"low_disk:/data"});
  }
  SECTION("a newer binary on disk") {
    node.binary_replaced = true;
    CHECK(found_in(node) == ids{"stale_version"});
  }
  SECTION("the LLM circuit open or its budget spent") {
    node.llm_unavailable = GENERATE(std::string("ai_quota_circuit_open"), std::string("budget_spent"));
    CHECK(found_in(node) == ids{"llm_unavailable"});
  }
  SECTION("nothing posted for noPostHours while posting is allowed") {
    node.posting_allowed = true;
    node.last_post_at_ms = t0 - config.monitor.no_post_hours * hour_ms;
    CHECK(found_in(node) == ids{"no_post"});
    node.last_post_at_ms = t0 - config.monitor.no_post_hours * hour_ms + 1;
    CHECK(found_in(node).empty());
    node.posting_allowed = false;
    node.last_post_at_ms.reset();
    node.started_at_ms = t0 - 100 * hour_ms;
    CHECK(found_in(node).empty());
  }
}

TEST_CASE("the lease is judged only once the process ran for a lease TTL and only where a loop runs",
          "[ops][monitor]") {
  config::troupe_config config;
  auto node = healthy();
  node.lease.holder.reset();
  node.started_at_ms = t0 - config.aol.lease_ttl_ms + 1;
  CHECK(found_in(node, config).empty());
  node.started_at_ms = t0 - config.aol.lease_ttl_ms;
  CHECK(found_in(node, config) == std::vector<std::string>{"aol_lease"});
  node.lease.our_owner.clear();
  CHECK(found_in(node, config).empty());
}

TEST_CASE("the backlog raises an issue only after growing at backlogTicks runs in a row", "[ops][monitor]") {
  config::troupe_config config;
  config.monitor.backlog_ticks = 3;
  monitor_memory memory;
  auto node = healthy();
  auto run = [&](std::int64_t backlog) {
    node.backlog_actions = backlog;
    memory = remember(memory, node, config.monitor);
    return ids_of(evaluate(node, memory, config));
  };
  CHECK(run(1).empty());
  CHECK(run(2).empty());
  CHECK(run(5) == std::vector<std::string>{"queue_backlog_growing"});
  CHECK(run(9) == std::vector<std::string>{"queue_backlog_growing"});
  CHECK(run(9).empty());  // steady is not growing
  CHECK(memory.backlogs == std::vector<std::int64_t>{5, 9, 9});
  node.database_error = "down";
  memory = remember(memory, node, config.monitor);
  CHECK(memory.backlogs.size() == 3);  // a run without the store keeps the trend
}

TEST_CASE("reconcile raises a new finding, keeps a found issue open and resolves one not found", "[ops][monitor]") {
  const finding dlq{"dlq_not_empty", severity::warning, "dlq", "2 actions", "retry"};
  const finding disk{"low_disk:/data", severity::warning, "disk", "1 byte", "free"};
  auto first = reconcile({}, {{dlq, disk}, {}}, t0);
  REQUIRE(first.raised.size() == 2);
  CHECK(first.open.size() == 2);
  CHECK(first.resolved.empty());

  auto dlq_later = dlq;
  dlq_later.evidence = "3 actions";
  auto second = reconcile(first.open, {{dlq_later}, {}}, t0 + 60'000);
  CHECK(second.raised.empty());
  REQUIRE(second.open.size() == 1);
  CHECK(second.open[0].evidence == "3 actions");
  CHECK(second.open[0].first_seen_at_ms == t0);
  CHECK(second.open[0].last_seen_at_ms == t0 + 60'000);
  REQUIRE(second.resolved.size() == 1);
  CHECK(second.resolved[0].condition_id == "low_disk:/data");
  CHECK(second.resolved[0].resolved_at_ms == t0 + 60'000);
}

TEST_CASE("an issue whose source did not answer stays open instead of being resolved", "[ops][monitor]") {
  config::troupe_config config;
  auto node = healthy();
  node.dlq_actions = 1;
  node.accounts[0] = {"acct-1", "parked", true, 3, "hard_error"};
  auto before = reconcile({}, evaluate(node, {}, config), t0);
  REQUIRE(before.open.size() == 2);

  node.database_error = "connection refused";
  node.supervisor_answered = false;
  node.now_ms = t0 + 60'000;
  auto during = reconcile(before.open, evaluate(node, {}, config), node.now_ms);
  CHECK(during.resolved.empty());
  std::vector<std::string> open;
  for (const auto& issue : during.open) open.push_back(issue.condition_id);
  std::sort(open.begin(), open.end());
  CHECK(open == std::vector<std::string>{"account_parked:acct-1", "actor_heartbeat_stale", "database_unreachable",
                                         "dlq_not_empty"});
}

TEST_CASE("steps count raised and resolved issues and keep resolved ones on the board for resolvedShownMs",
          "[ops][monitor]") {
  config::troupe_config config;
  config.monitor.resolved_shown_ms = 10 * 60'000;
  auto node = healthy();
  node.dlq_actions = 1;
  auto first = step({}, node, config);
  CHECK(first.changes.raised.size() == 1);
  CHECK(first.state.unsaved_raised.size() == 1);
  CHECK(resolution_rate(first.state.totals) == Approx(0.0));
  CHECK_FALSE(mean_time_to_resolve_ms(first.state.totals));

  node.dlq_actions = 0;
  node.now_ms = t0 + 120'000;
  auto second = step(first.state, node, config);
  CHECK(second.changes.resolved.size() == 1);
  CHECK(second.state.open.empty());
  CHECK(second.state.recently_resolved.size() == 1);
  CHECK(resolution_rate(second.state.totals) == Approx(1.0));
  CHECK(mean_time_to_resolve_ms(second.state.totals) == Approx(120'000.0));

  node.now_ms = t0 + 120'000 + config.monitor.resolved_shown_ms + 1;
  auto third = step(second.state, node, config);
  CHECK(third.state.recently_resolved.empty());
  CHECK(third.state.last_run_at_ms == node.now_ms);
}

TEST_CASE("issues stored by an earlier run are taken over rather than raised twice", "[ops][monitor]") {
  config::troupe_config config;
  auto node = healthy();
  node.database_error = "down";
  auto offline = step({}, node, config);  // raised while the store was down
  REQUIRE(offline.state.unsaved_raised.size() == 1);

  monitor_issue stored{41, "database_unreachable", severity::critical, "t", "e", "a", t0 - hour_ms, t0 - 1,
                       std::nullopt};
  monitor_issue other{42, "dlq_not_empty", severity::warning, "t", "e", "a", t0 - hour_ms, t0 - 1, std::nullopt};
  auto merged = merge_stored(offline.state, {stored, other}, {});
  CHECK(merged.loaded);
  CHECK(merged.unsaved_raised.empty());
  REQUIRE(merged.open.size() == 2);
  CHECK(merged.open[0].id == 41);
  CHECK(merged.open[0].first_seen_at_ms == t0 - hour_ms);
  CHECK(merged.totals.raised == 2);
}

TEST_CASE("the tree probe lists what answered and reads the accounts' states", "[ops][monitor]") {
  msg::actor_snapshot supervisor;
  supervisor.kind = "supervisor";
  supervisor.id = "supervisor";
  msg::actor_snapshot account;
  account.kind = "account";
  account.id = "account:acct-1";
  account.state = {{"status", "parked"}, {"needs_recovery", "true"}, {"error_streak", "4"}};
  account.last_error = "auth_required: log in";
  const auto view = view_of_tree(supervisor, msg::tree_snapshot{{supervisor, account}});
  CHECK(view.supervisor_answered);
  CHECK(view.answered == std::vector<std::string>{"supervisor", "account:acct-1"});
  REQUIRE(view.accounts.size() == 1);
  CHECK(view.accounts[0].id == "acct-1");
  CHECK(view.accounts[0].needs_recovery);
  CHECK(view.accounts[0].error_streak == 4);
  CHECK_FALSE(view_of_tree(std::nullopt, std::nullopt).supervisor_answered);

  config::troupe_config config;
  config.pods = {{"p1", {"acct-1", "acct-2"}, "", {}}, {"p2", {"acct-3"}, "", {}}};
  CHECK(expected_actors(config, {"p2"}) == std::vector<std::string>{"pod:p2", "account:acct-3"});
  CHECK(expected_actors(config, {}).size() == 5);
}
