#include "runtime/content/pipeline_health.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace troupe::content {
namespace {

void add_failed_run(const reply_pipeline_view& view, stage_health& health) {
  const auto run = view.last_runs.find(health.job);
  if (run != view.last_runs.end() && !run->second.succeeded) {
    health.reasons.push_back("its last run failed: " + run->second.summary);
  }
}

// A job that should run (enabled) and has not finished a run for 2 intervals.
void add_idle(const reply_pipeline_view& view, std::int64_t now_ms, stage_health& health) {
  const auto every = view.every_ms.find(health.job);
  if (every == view.every_ms.end()) {
    health.reasons.push_back("job:" + health.job + " is disabled");
    return;
  }
  const auto run = view.last_runs.find(health.job);
  if (run == view.last_runs.end()) {
    health.reasons.push_back("job:" + health.job + " has no run recorded");
    return;
  }
  const auto idle_ms = now_ms - run->second.finished_at_ms;
  if (idle_ms > idle_intervals * every->second) {
    health.reasons.push_back(fmt::format("idle for {} min, more than {} intervals of {} min", idle_ms / 60'000,
                                         idle_intervals, every->second / 60'000));
  }
}

stage_health harvester(const reply_pipeline_view& view) {
  stage_health health{"harvester", "harvest", true, {}};
  if (view.fresh_24h == 0) {
    health.reasons.push_back(view.harvesting_enabled ? "no fresh opportunities (target younger than 24 h)"
                                                     : "no fresh opportunities, and harvesting is off (HARVESTING_ENABLED=false)");
  }
  for (const auto& account : view.auth_required_accounts) {
    health.reasons.push_back("auth required: " + account + " is not logged in (whoami)");
  }
  add_failed_run(view, health);
  return health;
}

stage_health idle_checked(const reply_pipeline_view& view, std::int64_t now_ms, const char* stage, const char* job) {
  stage_health health{stage, job, true, {}};
  add_idle(view, now_ms, health);
  add_failed_run(view, health);
  return health;
}

stage_health executor(const reply_pipeline_view& view, std::int64_t now_ms) {
  stage_health health{"executor", "execute", true, {}};
  const bool quiet = !view.last_claim_ms || now_ms - *view.last_claim_ms > nothing_claimed_ms;
  if (view.due_scheduled > 0 && quiet) {
    health.reasons.push_back(fmt::format("{} scheduled replies are due and nothing was claimed in 5 min",
                                         view.due_scheduled));
  }
  const auto& recent = view.recent_preflights;
  if (!recent.empty() && std::find(recent.begin(), recent.end(), "ok") == recent.end()) {
    health.reasons.push_back(fmt::format("no ok preflight in the last {}", recent.size()));
  }
  add_failed_run(view, health);
  return health;
}

}  // namespace

std::vector<stage_health> judge_reply_pipeline(const reply_pipeline_view& view, std::int64_t now_ms) {
  std::vector<stage_health> stages{harvester(view), idle_checked(view, now_ms, "planner", "reply"),
                                   idle_checked(view, now_ms, "scheduler", "schedule"), executor(view, now_ms)};
  for (auto& stage : stages) stage.going_well = stage.reasons.empty();
  return stages;
}

const char* verdict_name(bool going_well) { return going_well ? "going_well" : "needs_attention"; }

}  // namespace troupe::content
