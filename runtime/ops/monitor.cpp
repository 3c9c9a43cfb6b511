#include "runtime/ops/monitor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "runtime/time_units.hpp"

namespace troupe::ops {
namespace {

using time_units::hour_ms;
constexpr std::size_t listed_at_most = 10;  // names in one evidence line

// The condition ids (and the prefixes of those about one thing).
constexpr const char* database_unreachable = "database_unreachable";
constexpr const char* dlq_not_empty = "dlq_not_empty";
constexpr const char* aol_lease = "aol_lease";
constexpr const char* queue_backlog_growing = "queue_backlog_growing";
constexpr const char* driver_auth_required = "driver_auth_required";
constexpr const char* no_post = "no_post";
constexpr const char* actor_heartbeat_stale = "actor_heartbeat_stale";
constexpr const char* account_parked = "account_parked";
constexpr const char* error_streak = "error_streak";
constexpr const char* low_disk = "low_disk";
constexpr const char* stale_version = "stale_version";
constexpr const char* llm_unavailable = "llm_unavailable";

std::string listed(const std::vector<std::string>& names) {
  if (names.size() <= listed_at_most) return fmt::format("{}", fmt::join(names, ", "));
  return fmt::format("{} and {} more", fmt::join(names.begin(), names.begin() + listed_at_most, ", "),
                     names.size() - listed_at_most);
}

std::string family(const char* condition) { return std::string(condition) + ":"; }

bool auth_required(const account_view& account) {
  return account.status == "parked" && account.last_error.rfind("auth_required", 0) == 0;
}

void check_store(const node_snapshot& node, const monitor_memory& memory, const config::troupe_config& config,
                 evaluation& out) {
  if (node.database_error) {
    out.found.push_back({database_unreachable, severity::critical, "the database does not answer",
                         *node.database_error,
                         "check that the database server runs and that db.url reaches it; the daemon keeps "
                         "running and catches up when it answers"});
    for (const char* condition : {dlq_not_empty, aol_lease, queue_backlog_growing, no_post}) {
      out.unjudged_prefixes.emplace_back(condition);
    }
    out.unjudged_prefixes.push_back(family(driver_auth_required));
    return;
  }
  if (node.dlq_actions > 0) {
    out.found.push_back({dlq_not_empty, severity::warning, "actions in the dead-letter queue",
                         fmt::format("{} actions gave up after their last attempt", node.dlq_actions),
                         "read their errors (troupe actions --status DLQ), fix the cause, then retry or "
                         "cancel them (PATCH /api/actions/{id})"});
  }
  const auto& lease = node.lease;
  const bool judged = !lease.our_owner.empty() && node.now_ms - node.started_at_ms >= config.aol.lease_ttl_ms;
  if (judged && lease.holder && *lease.holder != lease.our_owner && lease.expires_at_ms >= lease.read_at_ms) {
    out.found.push_back({aol_lease, severity::warning, "the AOL lease is held by another node",
                         fmt::format("held by {} until {}; this node ({}) waits as a standby", *lease.holder,
                                     lease.expires_at_ms, lease.our_owner),
                         "expected when two daemons share the database; otherwise stop the other one"});
  } else if (judged && (!lease.holder || lease.expires_at_ms < lease.read_at_ms)) {
    out.found.push_back({aol_lease, severity::critical, "the AOL lease is lost",
                         lease.holder ? fmt::format("last held by {}, expired at {}", *lease.holder,
                                                    lease.expires_at_ms)
                                      : std::string("never taken"),
                         "no daemon runs the action queue: check this node's log for the AOL loop"});
  }
  const auto& backlogs = memory.backlogs;
  const bool growing = backlogs.size() >= static_cast<std::size_t>(config.monitor.backlog_ticks) &&
                       std::adjacent_find(backlogs.begin(), backlogs.end(), std::greater_equal<>()) == backlogs.end();
  if (growing) {
    out.found.push_back({queue_backlog_growing, severity::warning, "the action queue's backlog keeps growing",
                         fmt::format("waiting actions at the last {} runs: {}", backlogs.size(),
                                     fmt::join(backlogs, " -> ")),
                         "the queue takes in more than it runs: check aol.maxBatch, aol.maxParallel and slow "
                         "adapters (GET /api/actions)"});
  }
  const auto since = node.last_post_at_ms.value_or(node.started_at_ms);
  if (node.posting_allowed && node.now_ms - since >= config.monitor.no_post_hours * hour_ms) {
    out.found.push_back({no_post, severity::warning,
                         fmt::format("no decision posted for {} hours while posting is allowed",
                                     config.monitor.no_post_hours),
                         node.last_post_at_ms ? fmt::format("the last post was at {}", *node.last_post_at_ms)
                                              : std::string("nothing posted since this daemon started"),
                         "check the content jobs (troupe diag, GET /api/jobs) and the posting skips in /metrics"});
  }
}

void check_tree(const node_snapshot& node, const config::troupe_config& config, evaluation& out) {
  if (!node.supervisor_answered) {
    out.found.push_back({actor_heartbeat_stale, severity::critical, "the supervisor does not answer",
                         fmt::format("no answer within {} ms", config.monitor.heartbeat_timeout_ms),
                         "the actor tree is wedged: restart the daemon (systemd's watchdog does it)"});
    for (const char* condition : {account_parked, error_streak, driver_auth_required}) {
      out.unjudged_prefixes.push_back(family(condition));
    }
    return;
  }
  if (!node.silent_actors.empty()) {
    out.found.push_back({actor_heartbeat_stale, severity::warning, "actors do not answer",
                         fmt::format("{} did not answer within {} ms", listed(node.silent_actors),
                                     config.monitor.heartbeat_timeout_ms),
                         "look at them in the console (GET /api/actors); restart the daemon if they stay silent"});
  }
  for (const auto& account : node.accounts) {
    if (auth_required(account)) continue;  // its own condition
    if (account.needs_recovery || account.status == "parked") {
      out.found.push_back({condition_about(account_parked, account.id), severity::warning,
                           "account " + account.id + " is parked in needs_recovery",
                           fmt::format("status {}, {} failed sessions in a row, last error: {}", account.status,
                                       account.error_streak, account.last_error),
                           "check the account by hand, then clear it (POST /admin/accounts/" + account.id +
                               "/clear-recovery)"});
    }
  }
  for (const auto& account : node.accounts) {
    if (account.error_streak < config.monitor.error_streak) continue;
    out.found.push_back({condition_about(error_streak, account.id), severity::warning,
                         "account " + account.id + " keeps failing",
                         fmt::format("{} failed sessions in a row (monitor.errorStreak {}), last error: {}",
                                     account.error_streak, config.monitor.error_streak, account.last_error),
                         "read its last session logs (GET /api/sessions?account=" + account.id + ")"});
  }
}

// Driver auth: the account's last session exited 3, or the harvester's
// whoami said it is logged out. Judged only when both sources answered.
void check_auth(const node_snapshot& node, evaluation& out) {
  if (!node.supervisor_answered || node.database_error) return;
  std::map<std::string, std::string> reasons;
  for (const auto& account : node.accounts) {
    if (auth_required(account)) reasons[account.id] = "its driver exited 3 (auth required): " + account.last_error;
  }
  for (const auto& id : node.harvester_logged_out) {
    reasons.try_emplace(id, "its driver's whoami says it is not logged in");
  }
  for (const auto& [id, reason] : reasons) {
    out.found.push_back({condition_about(driver_auth_required, id), severity::critical,
                         "account " + id + " needs its owner to log in", reason,
                         "log the account in again in its browser profile; the next whoami or session clears this"});
  }
}

void check_host(const node_snapshot& node, const config::troupe_config& config, evaluation& out) {
  for (const auto& disk : node.disks) {
    if (disk.free_bytes >= static_cast<std::uint64_t>(config.monitor.min_free_disk_bytes)) continue;
    out.found.push_back({condition_about(low_disk, disk.directory), severity::warning,
                         "low disk space under " + disk.directory,
                         fmt::format("{} bytes free, below monitor.minFreeDiskBytes {}", disk.free_bytes,
                                     config.monitor.min_free_disk_bytes),
                         "free space there, or lower cleanup.keepDays so job:cleanup removes old logs sooner"});
  }
  if (node.binary_replaced) {
    out.found.push_back({stale_version, severity::info, "a newer troupe binary is on disk",
                         node.binary_path + " changed after this process started",
                         "restart the daemon to run the new version (systemctl restart troupe)"});
  }
  if (node.llm_unavailable) {
    out.found.push_back({llm_unavailable, severity::warning, "the LLM cannot be called",
                         *node.llm_unavailable == "budget_spent"
                             ? std::string("today's LLM spend reached flags.dailyOpenaiLimitUsd")
                             : "the circuit is open (" + *node.llm_unavailable + ")",
                         "content falls back to synthetic drafts; raise the budget or wait for the circuit to close"});
  }
}

}  // namespace

const char* to_string(severity level) {
  switch (level) {
    case severity::info:
      return "info";
    case severity::warning:
      return "warning";
    case severity::critical:
      return "critical";
  }
  return "warning";
}

std::string condition_about(const char* condition, const std::string& subject) {
  return family(condition) + subject;
}

monitor_memory remember(monitor_memory memory, const node_snapshot& snapshot, const config::monitor_config& config) {
  if (snapshot.database_error) return memory;
  memory.backlogs.push_back(snapshot.backlog_actions);
  const auto keep = static_cast<std::size_t>(std::max(config.backlog_ticks, 1));
  if (memory.backlogs.size() > keep) {
    memory.backlogs.erase(memory.backlogs.begin(), memory.backlogs.end() - static_cast<std::ptrdiff_t>(keep));
  }
  return memory;
}

evaluation evaluate(const node_snapshot& snapshot, const monitor_memory& memory, const config::troupe_config& config) {
  evaluation out;
  check_store(snapshot, memory, config, out);
  check_tree(snapshot, config, out);
  check_auth(snapshot, out);
  check_host(snapshot, config, out);
  return out;
}

reconciliation reconcile(std::vector<monitor_issue> open, const evaluation& judged, std::int64_t now_ms) {
  reconciliation out;
  std::map<std::string, const finding*> found;
  for (const auto& item : judged.found) found.emplace(item.condition_id, &item);
  auto unjudged = [&](const std::string& id) {
    return std::any_of(judged.unjudged_prefixes.begin(), judged.unjudged_prefixes.end(),
                       [&](const std::string& prefix) { return id.rfind(prefix, 0) == 0; });
  };
  for (auto& issue : open) {
    const auto match = found.find(issue.condition_id);
    if (match == found.end()) {
      if (unjudged(issue.condition_id)) {
        out.open.push_back(std::move(issue));
      } else {
        issue.resolved_at_ms = now_ms;
        out.resolved.push_back(std::move(issue));
      }
      continue;
    }
    issue.level = match->second->level;
    issue.title = match->second->title;
    issue.evidence = match->second->evidence;
    issue.suggested_action = match->second->suggested_action;
    issue.last_seen_at_ms = now_ms;
    out.open.push_back(std::move(issue));
    found.erase(match);
  }
  for (const auto& item : judged.found) {
    if (found.count(item.condition_id) == 0) continue;  // matched an open issue
    monitor_issue issue{std::nullopt, item.condition_id, item.level, item.title, item.evidence,
                        item.suggested_action, now_ms, now_ms, std::nullopt};
    out.raised.push_back(issue);
    out.open.push_back(std::move(issue));
  }
  return out;
}

}  // namespace troupe::ops
