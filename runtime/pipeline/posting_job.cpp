// The posting orchestrator's run (posting.hpp).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "runtime/effect_gates.hpp"
#include "runtime/pipeline/job_support.hpp"
#include "runtime/pipeline/posting.hpp"
#include "runtime/policy/local_time.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/store/content_decisions.hpp"

namespace troupe::pipeline {
namespace {

using store::decision_status;

struct posting_run_counts {
  int enqueued = 0;
  int blocked = 0;  // posting not allowed: kept queued
  int waiting = 0;  // a rate limit: kept queued
  int skipped = 0;  // synthetic content
  int settled = 0;  // in-flight decisions whose action ended
  std::string summary() const {
    return fmt::format("enqueued {}, blocked {}, waiting {}, skipped {}, settled {}", enqueued, blocked, waiting,
                       skipped, settled);
  }
};

struct orchestrator_run {
  const config::troupe_config& config;
  const posting_services& services;
  store::database db;
  std::int64_t now_ms = 0;
  posting_run_counts counts;
};

// The status an in-flight decision takes once its action ended without
// settling it, and why; nullopt while the action may still settle it.
std::optional<std::pair<decision_status, std::string>> settlement_of(const store::content_decision& decision,
                                                                     const std::optional<store::action>& action) {
  if (action && action->status != store::action_status::dlq && action->status != store::action_status::cancelled &&
      action->status != store::action_status::succeeded) {
    return std::nullopt;
  }
  const std::string ended = action ? std::string("its post action ended ") + store::to_string(action->status)
                                   : std::string("its post action is gone");
  if (decision.post_attempt_started_at_ms) {
    return std::pair{decision_status::unconfirmed, ended + " after an attempt whose outcome is unknown"};
  }
  const auto error = action && action->last_error ? ": " + *action->last_error : std::string();
  return std::pair{decision_status::failed, ended + error};
}

status settle_one(orchestrator_run& run, const store::content_decision& decision) {
  if (!decision.aol_action_id) return {};
  auto action = store::load_action(run.db, *decision.aol_action_id);
  if (!action) return action.failure();
  const auto settlement = settlement_of(decision, *action);
  if (!settlement) return {};
  if (auto moved = store::set_decision_status(run.db, decision.decision_id, settlement->first, settlement->second,
                                              run.now_ms);
      !moved) {
    return moved;
  }
  spdlog::warn("[POSTING_ORCHESTRATOR] {} decision_id={} reason={}", store::to_string(settlement->first),
               decision.decision_id, settlement->second);
  ++run.counts.settled;
  return {};
}

// Posting decisions whose action ended without settling them (a crash, an
// operator's cancel, attempts used up).
status settle_in_flight(orchestrator_run& run) {
  store::decision_filter posting;
  posting.status = decision_status::posting;
  auto listed = store::list_decisions(run.db, posting, {store::max_decision_page, 0});
  if (!listed) return listed.failure();
  for (const auto& decision : listed->decisions) {
    if (auto settled = settle_one(run, decision); !settled) return settled;
  }
  return {};
}

void log_once(orchestrator_run& run, const store::content_decision& decision, const std::string& what,
              const std::string& reason, const std::string& more = "") {
  if (!run.services.memory->first_time(decision.decision_id, reason)) return;
  if (run.services.on_skip) run.services.on_skip(reason);
  spdlog::info("[POSTING_ORCHESTRATOR] {} decision_id={} reason={}{}", what, decision.decision_id, reason, more);
}

status enqueue_post(orchestrator_run& run, const store::content_decision& decision) {
  boost::json::object payload{{"decision_id", decision.decision_id},
                              {"account", decision.account_id},
                              {"text", decision.content}};
  if (decision.type == store::decision_type::reply && decision.target_post_id) {
    payload["reply_to"] = *decision.target_post_id;
  }
  store::new_action request;
  request.type = post_social_action;
  request.payload_json = boost::json::serialize(payload);
  request.idempotency_key = decision.decision_id;
  request.max_attempts = post_max_attempts;
  auto queued = store::enqueue_action(run.db, request, run.now_ms);
  if (!queued) return queued.failure();
  auto linked = store::attach_action(run.db, decision.decision_id, queued->queued.id);
  if (!linked) return linked.failure();
  if (auto moved = store::set_decision_status(run.db, decision.decision_id, decision_status::posting, std::nullopt,
                                              run.now_ms);
      !moved) {
    return moved;
  }
  spdlog::info("[POSTING_ORCHESTRATOR] enqueued decision_id={} account={} action_id={}", decision.decision_id,
               decision.account_id, queued->queued.id);
  ++run.counts.enqueued;
  return {};
}

// One due decision while posting is allowed.
status consider(orchestrator_run& run, const store::content_decision& decision, const content::post_rate_limits& limits,
                std::vector<store::post_time>& posts) {
  if (decision.source == store::generation_source::synthetic) {
    ++run.counts.skipped;
    log_once(run, decision, "skipped", synthetic_content_reason);
    return store::set_decision_status(run.db, decision.decision_id, decision_status::skipped,
                                      std::string(synthetic_content_reason), run.now_ms);
  }
  const auto verdict = content::check_post_rate(limits, post_history_of(posts, decision.account_id), run.now_ms);
  if (!verdict.allowed) {
    ++run.counts.waiting;
    const auto when = verdict.possible_at_ms ? policy::iso_utc_time(*verdict.possible_at_ms) : std::string("never");
    log_once(run, decision, "waiting", verdict.reason, fmt::format(" account={} possible_at={}", decision.account_id, when));
    return {};
  }
  if (auto enqueued = enqueue_post(run, decision); !enqueued) return enqueued;
  posts.push_back({decision.account_id, run.now_ms});
  return {};
}

status post_due(orchestrator_run& run, const config::flags_config& flags) {
  const auto gate = posting_allowed(flags);
  const int batch = run.config.jobs.count("posting") ? run.config.jobs.at("posting").batch : 5;
  // Blocked: the batch is logged and kept. Allowed: decisions a rate limit
  // holds back do not use the batch up, so one account cannot stall the rest.
  auto due = store::due_queued_decisions(run.db, run.now_ms, gate.allowed ? store::max_decision_page : batch,
                                         std::nullopt);
  if (!due) return due.failure();
  std::set<std::string> due_ids;
  for (const auto& decision : *due) due_ids.insert(decision.decision_id);
  run.services.memory->keep_only(due_ids);
  if (!gate.allowed) {
    for (const auto& decision : *due) log_once(run, decision, "skipped", gate.reason);
    run.counts.blocked = static_cast<int>(due->size());
    return {};
  }
  auto posts = store::recent_post_times(run.db, run.now_ms - post_history_ms, run.now_ms);
  if (!posts) return posts.failure();
  const auto limits = post_rate_limits_of(run.config, flags);
  for (const auto& decision : *due) {
    if (run.counts.enqueued >= batch) break;
    if (auto considered = consider(run, decision, limits, *posts); !considered) return considered;
  }
  return {};
}

}  // namespace

jobs::job_result run_posting(const jobs::job_run_context& run_context, const posting_services& services) {
  const auto& config = *run_context.config;
  auto db = open_job_store(config);
  if (!db) return {false, db.failure().message};
  orchestrator_run run{config, services, std::move(db).value(), services.now_ms(), {}};
  if (auto settled = settle_in_flight(run); !settled) return {false, settled.failure().message};
  if (auto posted = post_due(run, services.flags(config)); !posted) return {false, posted.failure().message};
  return {true, run.counts.summary()};
}

}  // namespace troupe::pipeline
