#include "runtime/pipeline/reply_pipeline.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <map>

#include "config/flags.hpp"
#include "runtime/content/generation.hpp"
#include "runtime/content/reply_policy.hpp"
#include "runtime/driver/result_object.hpp"
#include "runtime/pipeline/approval.hpp"
#include "runtime/pipeline/job_support.hpp"
#include "runtime/policy/rng.hpp"
#include "runtime/store/content_decisions.hpp"
#include "runtime/store/harvester_accounts.hpp"
#include "runtime/store/reply_opportunities.hpp"
#include "runtime/time_units.hpp"

namespace troupe::pipeline {
namespace {

namespace json = boost::json;
using store::decision_status;

constexpr std::chrono::milliseconds whoami_timeout{60'000};
constexpr std::chrono::milliseconds harvest_timeout{120'000};
using time_units::hour_ms;

bool cancelled(const jobs::job_run_context& run) { return run.cancel && run.cancel->cancelled(); }

// The result object of a successful run, or nullopt.
std::optional<json::object> success_result(const driver::driver_outcome& outcome) {
  if (outcome.kind != driver::outcome_kind::success) return std::nullopt;
  return driver::result_object(outcome);
}

// ---- harvest -------------------------------------------------------------------

struct harvest_counts {
  int harvested = 0;  // accounts harvested
  int recorded = 0;   // new opportunities
  int waiting = 0;    // the freshness policy said not now
  int auth_required = 0;
  int failed = 0;
  std::string summary() const {
    return fmt::format("harvested {} accounts, {} new opportunities, {} not due, {} auth required, {} failed",
                       harvested, recorded, waiting, auth_required, failed);
  }
};

struct harvest_run {
  const jobs::job_run_context& run;
  const pipeline_services& services;
  store::database db;
  std::int64_t now_ms = 0;
  harvest_counts counts;
};

// Whether the account is logged in, recorded and logged; nullopt when the
// driver could not tell (the account is skipped this run).
result<std::optional<bool>> check_login(harvest_run& state, const std::string& account, bool marked_before) {
  const auto session = fmt::format("whoami-{}-{}", account, state.run.run_id);
  auto outcome = run_job_verb(state.run, state.services.driver_program, "whoami", account, session, {}, whoami_timeout);
  if (!outcome) return outcome.failure();
  std::optional<bool> logged_in;
  std::string reason;
  if (outcome->kind == driver::outcome_kind::auth_required) {
    logged_in = false;
    reason = "whoami exit 3: auth required";
  } else if (auto answer = success_result(*outcome); answer && answer->contains("logged_in")) {
    const auto& value = answer->at("logged_in");
    logged_in = value.is_bool() && value.as_bool();
    reason = "whoami: logged_in=false";
  }
  if (!logged_in) {
    spdlog::warn("[HARVESTER_AUTH] account={} whoami failed: {} (exit {}) {}", account, driver::to_string(outcome->kind),
                 outcome->exit_code, outcome->error);
    return std::optional<bool>{};
  }
  if (auto recorded = store::record_whoami(state.db, account, *logged_in, reason, state.now_ms); !recorded) {
    return recorded.failure();
  }
  if (!*logged_in) {
    spdlog::warn("[HARVESTER_AUTH] ok=false account={} reason={}: harvesting stops for it until whoami succeeds",
                 account, reason);
  } else if (marked_before) {
    spdlog::info("[HARVESTER_AUTH] ok=true account={}: logged in again, the auth-required mark is cleared", account);
  }
  return logged_in;
}

store::new_reply_opportunity opportunity_of(const std::string& account, const json::object& item, std::int64_t now_ms) {
  store::new_reply_opportunity found;
  found.account_id = account;
  found.target_post_id = driver::string_member(item, "id");
  found.target_author_id = driver::string_member(item, "author");
  found.target_text = driver::string_member(item, "text");
  found.target_url = driver::string_member(item, "url");
  found.discovered_at_ms = now_ms;
  if (item.contains("posted_at_ms")) found.metrics.posted_at_ms = driver::count_member(item, "posted_at_ms").value_or(0);
  found.metrics.author_followers = driver::count_member(item, "author_followers").value_or(0);
  found.metrics.likes = driver::count_member(item, "likes").value_or(0);
  found.metrics.replies = driver::count_member(item, "replies").value_or(0);
  found.metrics.reposts = driver::count_member(item, "reposts").value_or(0);
  return found;
}

// Runs `harvest` and records its items; returns how many were new.
result<std::int64_t> harvest_items(harvest_run& state, const std::string& account) {
  const auto session = fmt::format("harvest-{}-{}", account, state.run.run_id);
  auto outcome = run_job_verb(state.run, state.services.driver_program, "harvest", account, session, {}, harvest_timeout);
  if (!outcome) return outcome.failure();
  const auto answer = success_result(*outcome);
  const auto* items = answer ? answer->if_contains("items") : nullptr;
  if (items == nullptr || !items->is_array()) {
    return error{fmt::format("harvest of {}: {} (exit {}) without an items array {}", account,
                             driver::to_string(outcome->kind), outcome->exit_code, outcome->error)};
  }
  std::int64_t recorded = 0;
  for (const auto& item : items->as_array()) {
    if (!item.is_object()) continue;
    const auto found = opportunity_of(account, item.as_object(), state.now_ms);
    if (found.target_post_id.empty()) continue;
    auto stored = store::insert_opportunity(state.db, found);
    if (!stored) return stored.failure();
    if (*stored) ++recorded;
  }
  if (auto noted = store::record_harvest(state.db, account, recorded, state.now_ms); !noted) return noted.failure();
  spdlog::info("[HARVESTER] account={} items={} new={}", account, items->as_array().size(), recorded);
  return recorded;
}

status harvest_account(harvest_run& state, const std::string& account) {
  const auto& settings = state.run.config->content.reply;
  auto fresh = store::count_fresh_opportunities(state.db, account, state.now_ms - 12 * hour_ms);
  if (!fresh) return fresh.failure();
  auto known = store::load_harvester_account(state.db, account);
  if (!known) return known.failure();
  const auto last_harvest = *known ? (*known)->last_harvest_at_ms : std::nullopt;
  policy::rng interval(state.services.seed ^ policy::fnv1a_64(account) ^
                       static_cast<std::uint64_t>(last_harvest.value_or(0)));
  const auto verdict = content::decide_harvest(*fresh, last_harvest, state.now_ms, settings, interval);
  const bool due = verdict.action == content::harvest_action::harvest_now;
  // An account marked auth-required is asked every run, so that the mark
  // goes as soon as its owner logged it in again.
  const bool marked_before = *known && !(*known)->logged_in;
  if (!due && !marked_before) {
    ++state.counts.waiting;
    spdlog::debug("[HARVESTER] account={} not now: {}", account, verdict.reason);
    return {};
  }
  auto logged_in = check_login(state, account, marked_before);
  if (!logged_in) return logged_in.failure();
  if (!*logged_in) {
    ++state.counts.failed;
    return {};
  }
  if (!**logged_in) {
    ++state.counts.auth_required;
    return {};
  }
  if (!due) {
    ++state.counts.waiting;
    return {};
  }
  auto recorded = harvest_items(state, account);
  if (!recorded) {
    ++state.counts.failed;
    spdlog::warn("[HARVESTER] account={} {}", account, recorded.failure().message);
    return {};
  }
  ++state.counts.harvested;
  state.counts.recorded += static_cast<int>(*recorded);
  return {};
}

// ---- schedule ------------------------------------------------------------------

struct schedule_counts {
  int scheduled = 0;
  int stale = 0;
  int waiting = 0;  // planned, not chosen this run
  std::string summary() const {
    return fmt::format("scheduled {}, skipped {} stale, {} left planned", scheduled, stale, waiting);
  }
};

result<std::vector<store::content_decision>> decisions_in(store::database& db, decision_status status) {
  store::decision_filter filter;
  filter.status = status;
  filter.type = store::decision_type::reply;
  auto listed = store::list_decisions(db, filter, {store::max_decision_page, 0});
  if (!listed) return listed.failure();
  return std::move(listed->decisions);
}

// The candidate a planned decision makes, from its opportunity.
result<content::reply_candidate> candidate_of(store::database& db, const store::content_decision& decision) {
  content::reply_candidate candidate{decision.decision_id, decision.account_id, decision.created_at_ms, 0,
                                     decision.predicted_er};
  auto opportunity = store::opportunity_of_decision(db, decision.decision_id);
  if (!opportunity) return opportunity.failure();
  if (*opportunity) {
    candidate.target_time_ms = store::target_time_ms(**opportunity);
    candidate.author_followers = (*opportunity)->metrics.author_followers;
  }
  return candidate;
}

result<std::map<std::string, std::int64_t>> latest_scheduled(store::database& db) {
  auto scheduled = decisions_in(db, decision_status::scheduled);
  if (!scheduled) return scheduled.failure();
  std::map<std::string, std::int64_t> latest;
  for (const auto& decision : *scheduled) {
    if (!decision.scheduled_at_ms) continue;
    auto& at = latest[decision.account_id];
    at = std::max(at, *decision.scheduled_at_ms);
  }
  return latest;
}

result<schedule_counts> schedule_planned(store::database& db, const config::reply_pipeline_config& settings,
                                         std::int64_t now_ms) {
  auto planned = decisions_in(db, decision_status::planned);
  if (!planned) return planned.failure();
  std::vector<content::reply_candidate> candidates;
  for (const auto& decision : *planned) {
    auto candidate = candidate_of(db, decision);
    if (!candidate) return candidate.failure();
    candidates.push_back(std::move(*candidate));
  }
  auto latest = latest_scheduled(db);
  if (!latest) return latest.failure();
  const auto plan = content::plan_schedule(candidates, *latest, now_ms, settings);
  schedule_counts counts;
  for (const auto& stale : plan.stale) {
    if (auto skipped = store::set_decision_status(db, stale.decision_id, decision_status::skipped,
                                                  std::string(stale_target_reason), now_ms);
        !skipped) {
      return skipped.failure();
    }
    ++counts.stale;
  }
  for (const auto& chosen : plan.scheduled) {
    const auto& id = chosen.ranked.candidate.decision_id;
    auto moved = store::schedule_decision(db, id, chosen.at_ms, reply_scheduler_pipeline, now_ms);
    if (!moved) return moved.failure();
    if (!*moved) continue;
    ++counts.scheduled;
    spdlog::info("[REPLY_SCHEDULER] scheduled decision_id={} account={} score={:.3f} at={}", id,
                 chosen.ranked.candidate.account_id, chosen.ranked.score, chosen.at_ms);
  }
  counts.waiting = static_cast<int>(candidates.size() - plan.stale.size() - plan.scheduled.size());
  return counts;
}

// ---- execute -------------------------------------------------------------------

struct execute_counts {
  int claimed = 0;
  int ok = 0;
  int stopped = 0;  // deleted, timeout, error
  int interrupted = 0;
  std::string summary() const {
    return fmt::format("claimed {}, preflight ok {}, stopped {}, interrupted {}", claimed, ok, stopped, interrupted);
  }
};

struct execute_run {
  const jobs::job_run_context& run;
  const pipeline_services& services;
  config::flags_config flags;
  store::database db;
  std::int64_t now_ms = 0;
  execute_counts counts;
};

// A preflight's target is there: on to approval or straight to the queue.
status release(execute_run& state, const store::content_decision& decision) {
  const content::approval_rule rule{state.flags.mode == "live", state.run.config->approval.posts,
                                    state.flags.auto_approve};
  if (!content::needs_approval(rule, true)) {
    return store::set_decision_status(state.db, decision.decision_id, decision_status::queued, std::nullopt,
                                      state.now_ms);
  }
  if (auto moved = store::set_decision_status(state.db, decision.decision_id, decision_status::awaiting_approval,
                                              std::nullopt, state.now_ms);
      !moved) {
    return moved;
  }
  auto requested = request_approval(state.db, decision, state.now_ms);
  if (!requested) return requested.failure();
  return {};
}

status stop_reply(execute_run& state, const store::content_decision& decision, const std::string& answer) {
  const auto reason = "runtime_preflight_" + answer;
  if (auto skipped = store::set_decision_status(state.db, decision.decision_id, decision_status::skipped, reason,
                                                state.now_ms);
      !skipped) {
    return skipped;
  }
  auto marked = store::mark_preflight_stop(state.db, decision.decision_id, answer);
  if (!marked) return marked.failure();
  return {};
}

status execute_one(execute_run& state, const store::content_decision& decision) {
  const auto timeout_ms = config::clamp_preflight_timeout_ms(state.flags.runtime_preflight_timeout_ms);
  const auto target = decision.target_post_id.value_or("");
  spdlog::info("[RUNTIME_PREFLIGHT] timeout_ms={} decision_id={} target={}", timeout_ms, decision.decision_id, target);
  const auto session = "preflight-" + decision.decision_id;
  auto outcome = run_job_verb(state.run, state.services.driver_program, "preflight", decision.account_id, session,
                              {"--target", target}, std::chrono::milliseconds(timeout_ms));
  if (!outcome) return outcome.failure();
  if (outcome->kind == driver::outcome_kind::cancelled) {
    ++state.counts.interrupted;  // claimed still: taken again once the claim is stale
    return {};
  }
  const auto answer = target.empty() ? std::string("error") : classify_preflight(*outcome);
  auto recorded = store::record_preflight(state.db, decision.decision_id, answer, state.now_ms);
  if (!recorded) return recorded.failure();
  spdlog::info("[RUNTIME_PREFLIGHT] decision_id={} target={} status={} duration_ms={}", decision.decision_id, target,
               answer, outcome->duration.count());
  if (answer != "ok") {
    ++state.counts.stopped;
    return stop_reply(state, decision, answer);
  }
  ++state.counts.ok;
  return release(state, decision);
}

}  // namespace

std::string classify_preflight(const driver::driver_outcome& outcome) {
  if (outcome.kind == driver::outcome_kind::timeout) return "timeout";
  if (outcome.kind == driver::outcome_kind::no_targets) return "deleted";
  const auto answer = success_result(outcome);
  const auto* available = answer ? answer->if_contains("available") : nullptr;
  if (available == nullptr || !available->is_bool()) return "error";
  return available->as_bool() ? "ok" : "deleted";
}

jobs::job_result run_harvest(const jobs::job_run_context& run, const pipeline_services& services) {
  if (!services.flags(*run.config).harvesting_enabled) return {true, "harvesting is off (HARVESTING_ENABLED=false)"};
  auto db = open_job_store(*run.config);
  if (!db) return {false, db.failure().message};
  harvest_run state{run, services, std::move(db).value(), services.now_ms(), {}};
  for (const auto& account : configured_accounts(*run.config)) {
    if (cancelled(run)) return {false, "cancelled; " + state.counts.summary()};
    if (auto done = harvest_account(state, account); !done) {
      return {false, done.failure().message + "; " + state.counts.summary()};
    }
  }
  return {true, state.counts.summary()};
}

jobs::job_result run_schedule(const jobs::job_run_context& run, const pipeline_services& services) {
  auto db = open_job_store(*run.config);
  if (!db) return {false, db.failure().message};
  auto counts = schedule_planned(*db, run.config->content.reply, services.now_ms());
  if (!counts) return {false, counts.failure().message};
  return {true, counts->summary()};
}

jobs::job_result run_execute(const jobs::job_run_context& run, const pipeline_services& services) {
  auto db = open_job_store(*run.config);
  if (!db) return {false, db.failure().message};
  execute_run state{run, services, services.flags(*run.config), std::move(db).value(), services.now_ms(), {}};
  const auto& settings = run.config->content.reply;
  const int batch = run.config->jobs.count("execute") ? run.config->jobs.at("execute").batch : 5;
  auto claimed = store::claim_scheduled_replies(state.db, state.now_ms, batch, state.now_ms - settings.claim_stale_ms);
  if (!claimed) return {false, claimed.failure().message};
  state.counts.claimed = static_cast<int>(claimed->size());
  for (const auto& decision : *claimed) {
    if (cancelled(run)) return {false, "cancelled; " + state.counts.summary()};
    if (auto done = execute_one(state, decision); !done) {
      return {false, done.failure().message + "; " + state.counts.summary()};
    }
  }
  return {true, state.counts.summary()};
}

}  // namespace troupe::pipeline
