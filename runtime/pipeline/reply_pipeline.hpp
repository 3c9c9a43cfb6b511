// The reply pipeline's job bodies after the planner (content_jobs.hpp's
// `reply`, which writes planned reply decisions from fresh opportunities):
//
//   harvest  (job:harvest, only with HARVESTING_ENABLED): per configured
//            account, the freshness policy (content/reply_policy.hpp) says
//            whether to harvest; if so the driver's `whoami` first (not
//            logged in, or exit 3: "[HARVESTER_AUTH] ok=false", the account
//            marked auth-required in harvester_accounts and skipped until a
//            `whoami` succeeds again: a marked account is asked every run),
//            then `harvest`, whose items become reply_opportunities (one per
//            target post);
//   schedule (job:schedule): ranks the planned replies (freshness, author
//            reach, predicted engagement), schedules the best
//            (pipeline_source reply_v2_scheduler) and skips those whose
//            target grew too old (stale_target);
//   execute  (job:execute): claims due scheduled replies (posting_attempt),
//            runs the driver's `preflight --target ID` under
//            RUNTIME_PREFLIGHT_TIMEOUT_MS ("[RUNTIME_PREFLIGHT]
//            timeout_ms=..."), records ok / deleted / timeout / error in
//            features.runtime_preflight_status; ok goes on to approval (live
//            mode without AUTO_APPROVE) or straight to queued, where the
//            posting orchestrator posts it; the others are skipped
//            (runtime_preflight_<status>) and their opportunity marked.
//
// Each body opens the store itself and blocks (SQL, drivers): the job
// actors run them on threads of their own.
#pragma once

#include <string>

#include "runtime/driver/outcome.hpp"
#include "runtime/jobs/job_body.hpp"
#include "runtime/pipeline/content_jobs.hpp"

namespace troupe::pipeline {

constexpr const char* stale_target_reason = "stale_target";

// The preflight's answer for a driver run: ok (the target is there),
// deleted (the driver says it is gone, or exit 4: no target), timeout (the
// runtime stopped it at RUNTIME_PREFLIGHT_TIMEOUT_MS) or error (anything
// else, including a success without a readable answer).
std::string classify_preflight(const driver::driver_outcome& outcome);

jobs::job_result run_harvest(const jobs::job_run_context& run, const pipeline_services& services);
jobs::job_result run_schedule(const jobs::job_run_context& run, const pipeline_services& services);
jobs::job_result run_execute(const jobs::job_run_context& run, const pipeline_services& services);

}  // namespace troupe::pipeline
