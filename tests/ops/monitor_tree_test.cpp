// job:monitor against a live actor tree in process, wedged the way a
// blocking handler wedges it (every scheduler thread busy): the monitor
// raises actor_heartbeat_stale through the daemon's own tree probe, stores
// it, and resolves it once the tree answers again. (A `troupe run` cannot be
// wedged from outside without stopping the whole process.)
#include <catch2/catch.hpp>

#include "runtime/ops/host_probe.hpp"
#include "runtime/ops/monitor_job.hpp"
#include "runtime/ops/tree_probe.hpp"
#include "runtime/store/monitor_issues.hpp"
#include "runtime/system_clock.hpp"
#include "tests/ops/wedged_tree.hpp"

using namespace troupe;
using namespace troupe::testing;

namespace {

ops::monitor_sources sources_for(daemon_tree& tree) {
  ops::monitor_sources sources;
  sources.probe_tree = [&tree](std::chrono::milliseconds bound) { return ops::probe_tree(tree, bound); };
  sources.llm_unavailable = [](const config::troupe_config&) { return std::optional<std::string>(); };
  sources.posting_allowed = [](const config::troupe_config&) { return false; };
  sources.now_ms = system_now_ms;
  sources.started_at_ms = system_now_ms();
  sources.binary = ops::running_binary();
  sources.board = std::make_shared<ops::monitor_board>();
  return sources;
}

std::optional<ops::monitor_issue> open_issue(const ops::monitor_board& board, const std::string& condition) {
  for (auto& issue : board.read().open) {
    if (issue.condition_id == condition) return issue;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("the monitor raises actor_heartbeat_stale while the supervisor is wedged and resolves it once it answers",
          "[ops][monitor]") {
  temp_dir dir;
  auto tree = idle_tree(dir);
  auto config = std::make_shared<config::troupe_config>();
  config->db.url = "sqlite:" + dir.file("troupe.db");
  config->aol.data_dir = dir.path();
  config->drivers.log_dir = dir.path();
  config->log.file.clear();
  config->monitor.heartbeat_timeout_ms = 200;
  const auto sources = sources_for(*tree);
  const auto monitor = ops::monitor_job(sources);
  const jobs::job_run_context run{"monitor", "run-1", config, nullptr};

  REQUIRE(monitor(run).succeeded);
  CHECK_FALSE(open_issue(*sources.board, "actor_heartbeat_stale"));

  {
    blocked_scheduler wedge(tree->system());
    const auto asked = std::chrono::steady_clock::now();
    REQUIRE(monitor(run).succeeded);
    CHECK(std::chrono::steady_clock::now() - asked < std::chrono::seconds(5));  // bounded by the timeout
    const auto issue = open_issue(*sources.board, "actor_heartbeat_stale");
    REQUIRE(issue);
    CHECK(issue->level == ops::severity::critical);
    CHECK(issue->evidence == "no answer within 200 ms");
  }

  REQUIRE(monitor(run).succeeded);
  CHECK_FALSE(open_issue(*sources.board, "actor_heartbeat_stale"));
  auto db = store::database::open(config->db.url);
  REQUIRE(db.ok());
  const auto stored = store::load_resolved_issues(*db, 0);
  REQUIRE(stored.ok());
  REQUIRE(stored->size() == 1);
  CHECK(stored->front().condition_id == "actor_heartbeat_stale");
  CHECK(stored->front().resolved_at_ms.has_value());
  tree->stop();
}
