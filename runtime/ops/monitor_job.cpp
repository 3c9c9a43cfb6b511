#include "runtime/ops/monitor_job.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "runtime/aol/tick_policy.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_lease.hpp"
#include "runtime/store/database_clock.hpp"
#include "runtime/store/harvester_accounts.hpp"
#include "runtime/store/monitor_issues.hpp"
#include "runtime/store/posted_decisions.hpp"

namespace troupe::ops {
namespace {

// Reads what the store conditions need; the first failure is the database's error.
status read_store(store::database& db, node_snapshot& node) {
  auto counts = store::count_actions_by_status(db);
  if (!counts) return counts.failure();
  node.dlq_actions = counts->at(store::action_status::dlq);
  node.backlog_actions = store::waiting_actions(*counts);
  auto lease = store::load_lease(db, aol::loop_lease_name);
  if (!lease) return lease.failure();
  auto read_at = store::read_database_clock_ms(db);
  if (!read_at) return read_at.failure();
  node.lease.read_at_ms = *read_at;
  if (*lease) {
    node.lease.holder = (*lease)->owner;
    node.lease.expires_at_ms = (*lease)->expires_at_ms;
  }
  auto logged_out = store::auth_required_accounts(db);
  if (!logged_out) return logged_out.failure();
  for (const auto& account : *logged_out) node.harvester_logged_out.push_back(account.account_id);
  auto latest = store::latest_post_at(db);
  if (!latest) return latest.failure();
  node.last_post_at_ms = *latest;
  return {};
}

void read_tree(const monitor_sources& sources, const config::troupe_config& config, node_snapshot& node) {
  const auto bound = std::chrono::milliseconds(config.monitor.heartbeat_timeout_ms);
  auto tree = sources.probe_tree(bound);
  node.supervisor_answered = tree.supervisor_answered;
  if (!tree.supervisor_answered) return;
  const std::set<std::string> answered(tree.answered.begin(), tree.answered.end());
  for (auto& id : expected_actors(config, sources.pods)) {
    if (answered.count(id) == 0) node.silent_actors.push_back(std::move(id));
  }
  node.accounts = std::move(tree.accounts);
}

void read_host(const monitor_sources& sources, const config::troupe_config& config, node_snapshot& node) {
  for (auto& directory : watched_directories(config)) {
    if (auto free = free_bytes_under(directory)) node.disks.push_back({std::move(directory), *free});
  }
  node.binary_path = sources.binary.path;
  node.binary_replaced = binary_replaced(sources.binary);
  if (sources.llm_unavailable) node.llm_unavailable = sources.llm_unavailable(config);
  node.posting_allowed = sources.posting_allowed(config);
}

// Reads the issues stored before this process started, once.
monitor_state load_stored(monitor_state state, store::database& db, std::int64_t shown_since_ms) {
  auto open = store::load_open_issues(db);
  auto resolved = store::load_resolved_issues(db, shown_since_ms);
  if (!open || !resolved) {
    spdlog::warn("[MONITOR] {}", !open ? open.failure().message : resolved.failure().message);
    return state;
  }
  return merge_stored(std::move(state), std::move(*open), std::move(*resolved));
}

// Stores the queued changes; on failure they stay queued for the next run.
void save(monitor_state& state, store::database& db) {
  if (auto saved = store::save_monitor_run(db, state.unsaved_raised, state.open, state.unsaved_resolved); !saved) {
    spdlog::warn("[MONITOR] {}; kept for the next run", saved.failure().message);
    return;
  }
  state.unsaved_raised.clear();
  state.unsaved_resolved.clear();
}

void log_changes(const reconciliation& changes) {
  for (const auto& issue : changes.raised) {
    const auto line = fmt::format("[MONITOR] raised {} ({}): {}; {}", issue.condition_id, to_string(issue.level),
                                  issue.title, issue.evidence);
    if (issue.level == severity::info) {
      spdlog::info("{}", line);
    } else {
      spdlog::warn("{}", line);
    }
  }
  for (const auto& issue : changes.resolved) {
    spdlog::info("[MONITOR] resolved {} after {} s: {}", issue.condition_id,
                 (*issue.resolved_at_ms - issue.first_seen_at_ms) / 1000, issue.title);
  }
}

jobs::job_result run_monitor(const monitor_sources& sources, const jobs::job_run_context& run) {
  const auto& config = *run.config;
  node_snapshot node;
  node.started_at_ms = sources.started_at_ms;
  read_tree(sources, config, node);
  read_host(sources, config, node);
  node.lease.our_owner = sources.aol_owner;
  auto db = store::database::open(config.db.url, config.db.busy_timeout_ms);
  node.now_ms = sources.now_ms();
  if (!db) {
    node.database_error = db.failure().message;
  } else if (auto read = read_store(*db, node); !read) {
    node.database_error = read.failure().message;
  }
  const bool stored = !node.database_error;

  auto state = sources.board->read();
  if (!state.loaded && stored) state = load_stored(std::move(state), *db, node.now_ms - config.monitor.resolved_shown_ms);
  auto [next, changes] = step(std::move(state), node, config);
  if (stored) save(next, *db);
  const auto open = next.open.size();
  const auto unsaved = next.unsaved_raised.size() + next.unsaved_resolved.size();
  sources.board->write(std::move(next));
  log_changes(changes);
  if (sources.on_changes && (!changes.raised.empty() || !changes.resolved.empty())) sources.on_changes(changes, config);
  auto summary = fmt::format("{} open, {} raised, {} resolved", open, changes.raised.size(), changes.resolved.size());
  if (unsaved > 0) summary += fmt::format(", {} changes not stored yet (the database does not answer)", unsaved);
  return {true, summary};
}

std::string parent_or_here(const std::string& file) {
  const auto parent = std::filesystem::path(file).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

std::vector<std::string> expected_actors(const config::troupe_config& config, const std::vector<std::string>& pods) {
  std::vector<std::string> ids;
  for (const auto& pod : config.pods) {
    if (!pods.empty() && std::find(pods.begin(), pods.end(), pod.name) == pods.end()) continue;
    ids.push_back("pod:" + pod.name);
    for (const auto& account : pod.accounts) ids.push_back("account:" + account);
  }
  return ids;
}

std::vector<std::string> watched_directories(const config::troupe_config& config) {
  std::vector<std::string> directories{config.aol.data_dir, config.drivers.log_dir};
  if (!config.log.file.empty()) directories.push_back(parent_or_here(config.log.file));
  std::sort(directories.begin(), directories.end());
  directories.erase(std::unique(directories.begin(), directories.end()), directories.end());
  return directories;
}

jobs::job_body monitor_job(monitor_sources sources) {
  return [sources = std::move(sources)](const jobs::job_run_context& run) { return run_monitor(sources, run); };
}

}  // namespace troupe::ops
