// The reply pipeline's diagnostics, from the database alone: the runbook's
// queries in one report (opportunities total / fresh 24 h / fresh 12 h /
// oldest / newest; decisions by pipeline source and status; the preflight
// answers; the last REPLY_SUCCESS; each stage's last run; the accounts that
// need their owner) and each stage's verdict (content/pipeline_health.hpp).
// `troupe diag` prints it; GET /api/pipeline-status serves it as JSON.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

#include "config/config.hpp"
#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::pipeline {

// The report as JSON:
//   {"status": "going_well"|"needs_attention",
//    "stages": [{"stage","job","status","reasons":[...],"last_run":{...}|null}],
//    "opportunities": {"total","fresh_24h","fresh_12h","oldest","newest"},
//    "decisions": [{"pipeline_source","status","count"}],
//    "preflight": {"ok": n, ...}, "recent_preflights": [...],
//    "last_reply_success": {"at","decision_id","post_id","account_id"}|null,
//    "auth_required": [{"account_id","since","reason"}],
//    "harvesting_enabled": bool, "generated_at": ISO time}
// `flags` are the effective flags (the environment applied).
result<boost::json::object> reply_pipeline_report(store::database& db, const config::troupe_config& config,
                                                  const config::flags_config& flags, std::int64_t now_ms);

// The same report as text for a terminal.
std::string reply_pipeline_text(const boost::json::object& report);

}  // namespace troupe::pipeline
