#include "runtime/ops/report_sources.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "config/flags.hpp"
#include "runtime/aol/tick_policy.hpp"
#include "runtime/ops/fatal_issues.hpp"
#include "runtime/ops/status_report.hpp"
#include "runtime/pipeline/reply_diagnostics.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_lease.hpp"
#include "runtime/store/database_clock.hpp"
#include "runtime/store/statements.hpp"
#include "runtime/store/sql_boundary.hpp"

namespace troupe::ops {
namespace {

constexpr std::chrono::seconds tree_bound{5};
constexpr const char* sqlite_prefix = "sqlite:";

std::optional<std::int64_t> database_size(store::database& db, const config::troupe_config& config) {
  if (db.kind() == store::backend::sqlite) {
    std::error_code error;
    const auto size = std::filesystem::file_size(config.db.url.substr(std::string(sqlite_prefix).size()), error);
    return error ? std::nullopt : std::optional<std::int64_t>(static_cast<std::int64_t>(size));
  }
  auto size = store::guarded("cannot read the database's size", [&] {
    std::int64_t bytes = 0;
    store::query_first_row(db.session(), "SELECT pg_database_size(current_database())", soci::into(bytes));
    return bytes;
  });
  return size ? std::optional<std::int64_t>(*size) : std::nullopt;
}

// The store's figures; the time of the first query is its latency.
void read_store(store::database& db, const config::troupe_config& config, const report_sources& sources,
                report_facts& facts) {
  const auto started = std::chrono::steady_clock::now();
  auto counts = store::count_actions_by_status(db);
  if (!counts) {
    facts.store_error = counts.failure().message;
    return;
  }
  facts.store_latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  facts.store_size_bytes = database_size(db, config);
  facts.dlq_actions = counts->at(store::action_status::dlq);
  facts.backlog_actions = store::waiting_actions(*counts);
  // The lease is dated by the database's clock, so judged by it.
  auto lease = store::load_lease(db, aol::loop_lease_name);
  auto read_at = store::read_database_clock_ms(db);
  if (lease && *lease && read_at) {
    facts.lease_holder = (*lease)->owner;
    facts.lease_ours = (*lease)->owner == sources.aol_owner && (*lease)->expires_at_ms >= *read_at;
  }
  const auto flags = config::apply_environment(config.flags, std::getenv);
  if (auto reply = pipeline::reply_pipeline_report(db, config, flags, facts.now_ms)) {
    facts.reply_going_well = reply->at("status") == "going_well";
    for (const auto& stage : reply->at("stages").as_array()) {
      for (const auto& reason : stage.at("reasons").as_array()) {
        facts.reply_reasons.push_back(std::string(stage.at("stage").as_string()) + ": " +
                                      std::string(reason.as_string()));
      }
    }
  }
}

void read_process(const report_sources& sources, report_facts& facts) {
  facts.started_at_ms = sources.started_at_ms;
  facts.version = TROUPE_VERSION;
  facts.config_version = sources.reloader->version();
  if (const auto last = sources.reloader->last_reload()) {
    facts.last_reload = reload_fact{last->at_ms, last->trigger, last->ok, last->errors};
  }
  const auto counts = sources.metrics->snapshot();
  for (const auto& [activity, outcomes] : counts.sessions) {
    for (const auto& [outcome, count] : outcomes) {
      facts.sessions_ended += static_cast<std::int64_t>(count);
      if (outcome != "success" && outcome != "cancelled") facts.sessions_failed += static_cast<std::int64_t>(count);
    }
  }
  const auto monitor = sources.monitor->read();
  facts.open_issues = monitor.open;
  facts.monitor_last_run_at_ms = monitor.last_run_at_ms;
}

void read_tree(const report_sources& sources, report_facts& facts) {
  auto tree = sources.probe_tree(tree_bound);
  facts.supervisor_answered = tree.supervisor_answered;
  facts.permits_in_use = tree.permits_in_use;
  facts.permits_capacity = tree.permits_capacity;
  facts.permits_waiting = tree.permits_waiting;
  facts.pods = tree.pods;
  facts.accounts = std::move(tree.accounts);
}

}  // namespace

boost::json::object gather_report(const report_sources& sources, store::database* db, const std::string& problem) {
  const auto config = sources.reloader->current();
  report_facts facts;
  facts.now_ms = sources.now_ms();
  facts.backend = config->db.url.rfind(sqlite_prefix, 0) == 0 ? "sqlite" : "postgresql";
  read_process(sources, facts);
  read_tree(sources, facts);
  if (db == nullptr) {
    facts.store_error = problem;
  } else {
    read_store(*db, *config, sources, facts);
  }
  for (const auto& issue : read_fatal_issues(db, config->aol.data_dir).issues) facts.fatal_issues.push_back(to_json(issue));
  return build_report(facts);
}

}  // namespace troupe::ops
