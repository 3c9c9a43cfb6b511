// job:cleanup's body (hourly by default, jobs.cleanup): removes the files
// older than cleanup.keepDays from the directories Troupe fills, and the
// finished queue rows past aol.retentionMs. What goes is decided by
// cleanup_policy.hpp; this shell lists, removes and logs.
//
//   drivers.logDir/*.log                      per-session logs, never one of a
//                                             session without an end (running)
//   DATA_DIR/proof/*                          PROOF artifacts, never the one of
//                                             an action still PROOFED
//   DATA_DIR/reports/report-*.{json,txt}      status reports
//   aol_actions SUCCEEDED, CANCELLED          finished before now - aol.retentionMs,
//                                             with their execution logs (DLQ
//                                             and PROOFED wait for an operator)
//
// Within `troupe run` this job is the one place the queue is pruned (the AOL
// loop's own pruning is for `troupe daemon`, which runs no jobs). A
// directory that does not exist has nothing to remove. Each removed file is
// logged at debug, the run's counts at info ("[CLEANUP] removed ..."); a
// file that cannot be removed is a warning and fails the run, the others
// still go. Without the database the run fails and removes nothing: it
// could not tell which sessions run. Blocks on the disk and SQL: the job
// actor calls it on a thread of its own.
#pragma once

#include <cstdint>
#include <functional>

#include "runtime/jobs/job_body.hpp"

namespace troupe::ops {

// One run at `now_ms` under the run's config.
jobs::job_result run_cleanup(const jobs::job_run_context& run, std::int64_t now_ms);

// run_cleanup at the time `now_ms` reads when the run starts.
jobs::job_body cleanup_job(std::function<std::int64_t()> now_ms);

}  // namespace troupe::ops
