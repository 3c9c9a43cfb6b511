// How each stage of the reply pipeline is doing, judged from what the
// database shows (runtime/pipeline/reply_diagnostics.hpp gathers it): a
// pure function of that view and the time. A stage is `going_well` unless
// one of its conditions holds; each condition that holds is a reason:
//   harvester: no fresh opportunity (target younger than 24 h); an account
//              needs its owner (whoami said not logged in); its last run failed;
//   planner (job:reply), scheduler (job:schedule): no run finished for more
//              than 2 of the job's intervals; its last run failed;
//   executor (job:execute): a scheduled reply has been due while nothing
//              was claimed for 5 minutes; none of the last preflights
//              answered ok; its last run failed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace troupe::content {

struct stage_run {
  std::int64_t finished_at_ms = 0;
  bool succeeded = true;
  std::string summary;
};

struct reply_pipeline_view {
  std::int64_t fresh_24h = 0;
  bool harvesting_enabled = false;
  std::vector<std::string> auth_required_accounts;
  std::map<std::string, stage_run> last_runs;     // by job name
  std::map<std::string, std::int64_t> every_ms;   // enabled jobs' intervals, by job name
  std::optional<std::int64_t> last_claim_ms;
  std::int64_t due_scheduled = 0;
  std::vector<std::string> recent_preflights;     // newest first
};

struct stage_health {
  std::string stage;  // harvester, planner, scheduler, executor
  std::string job;    // harvest, reply, schedule, execute
  bool going_well = true;
  std::vector<std::string> reasons;  // why not, when not
};

constexpr std::int64_t nothing_claimed_ms = 300'000;
constexpr int idle_intervals = 2;

std::vector<stage_health> judge_reply_pipeline(const reply_pipeline_view& view, std::int64_t now_ms);

// "going_well" or "needs_attention".
const char* verdict_name(bool going_well);

}  // namespace troupe::content
