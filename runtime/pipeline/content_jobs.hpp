// The content pipeline's job bodies: `plan` (one post per account and run,
// while the account has fewer than content.maxQueuedPerAccount open) and
// `reply`, the reply planner (one reply per fresh open opportunity, target
// younger than content.reply.maxTargetAgeHours, freshest first,
// content.repliesPerRun a run). Each decision goes the same way:
//
//   arm (Thompson over content.arms; posts also a timing slot by UCB1)
//   -> text: shadow mode writes a synthetic one (generation_source=synthetic,
//      no LLM call); live mode asks the LLM (generation_source=real) and,
//      with the LLM not available, queues nothing and logs why
//   -> embedding: the embedding model in live mode, the local one otherwise
//      or when the model fails
//   -> gate chain (quality, uniqueness, rotation over the account's last
//      7 days): a blocked decision is stored skipped with its reason, scores
//      in `features`, and a [GATE_CHAIN] log line
//   -> a post: stored queued, or awaiting_approval with its APPROVE_DECISION
//      action (approval.hpp: live posts with approval.posts, never with
//      AUTO_APPROVE); a reply: stored planned, for the reply scheduler and
//      executor (reply_pipeline.hpp), which asks for approval once the
//      preflight found its target
//
// Log lines: "[PLAN_JOB] generated decision_id=... status=... scheduled_at=..."
// and "[REPLY_JOB] generated decision_id=... status=... target=...". A run
// also settles approvals that ended without an answer. Runs block (SQL,
// LLM): the job actors call them on threads of their own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "runtime/jobs/job_body.hpp"
#include "runtime/pipeline/llm_service.hpp"

namespace troupe::pipeline {

struct pipeline_services {
  std::shared_ptr<llm_service> llm;  // never null
  // The effective flags of a config: its flags with the environment applied.
  std::function<config::flags_config(const config::troupe_config&)> flags;
  std::function<std::int64_t()> now_ms;
  std::uint64_t seed = 0;  // a run draws from the seed and its run id
  std::string driver_program;  // what runs drivers' verbs; empty: drivers.command
  // The metrics' hooks (posting_services::on_skip,
  // outcome_services::on_learn_run); may be empty.
  std::function<void(const std::string&)> on_post_skip;
  std::function<void()> on_learn_run;
};

// The pipeline names stored in content_metadata.pipeline_source: the plan
// job's posts, and replies as the reply planner wrote them and once the
// reply scheduler scheduled them.
constexpr const char* plan_pipeline = "plan";
constexpr const char* reply_planner_pipeline = "reply_v2_planner";
constexpr const char* reply_scheduler_pipeline = "reply_v2_scheduler";

// The bandit scope of the content arms a pipeline's decisions chose from:
// "plan:content" for posts, "reply:content" for replies at any stage.
std::string content_arm_scope(const std::string& pipeline_source);

jobs::job_result run_plan(const jobs::job_run_context& run, const pipeline_services& services);
jobs::job_result run_reply(const jobs::job_run_context& run, const pipeline_services& services);

// {"plan": run_plan, "reply": run_reply, "posting": run_posting
// (posting.hpp), "collect": run_collect, "learn": run_learn
// (outcome_jobs.hpp), "harvest", "schedule", "execute" (reply_pipeline.hpp)}
// bound to `services`. Each run's end is recorded in job_last_runs.
jobs::job_catalog content_jobs(pipeline_services services);

}  // namespace troupe::pipeline
