// The reply pipeline in numbers, as `troupe diag` and GET
// /api/pipeline-status report it: decisions by pipeline and status, the
// runtime preflight's answers, the executor's last claim, and the last
// REPLY_SUCCESS. Read-only queries; behaviour is identical on SQLite and
// PostgreSQL. Functions use the given database only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

struct decision_count {
  std::string pipeline_source;
  std::string status;
  std::int64_t count = 0;
};

struct reply_success {
  std::int64_t at_ms = 0;
  std::string decision_id;
  std::string platform_post_id;
  std::string account_id;
};

struct reply_pipeline_stats {
  std::vector<decision_count> decisions;               // by pipeline_source, then status
  std::map<std::string, std::int64_t> preflights;      // runtime_preflight_status -> decisions
  std::vector<std::string> recent_preflights;          // the last `window` answers, newest first
  std::optional<std::int64_t> last_claim_ms;           // the executor's latest claim
  std::int64_t due_scheduled = 0;                      // scheduled replies due now, unclaimed
  std::optional<reply_success> last_reply_success;
};

// The numbers at now_ms, with the last `window` (>= 1) preflight answers.
result<reply_pipeline_stats> read_reply_pipeline_stats(database& db, std::int64_t now_ms, int window);

}  // namespace troupe::store
