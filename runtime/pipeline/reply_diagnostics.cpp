#include "runtime/pipeline/reply_diagnostics.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <sstream>

#include "runtime/content/pipeline_health.hpp"
#include "runtime/policy/local_time.hpp"
#include "runtime/store/harvester_accounts.hpp"
#include "runtime/store/job_runs.hpp"
#include "runtime/store/reply_opportunities.hpp"
#include "runtime/store/reply_pipeline_stats.hpp"

namespace troupe::pipeline {
namespace {

namespace json = boost::json;

json::value time_or_null(const std::optional<std::int64_t>& at_ms) {
  return at_ms ? json::value(policy::iso_utc_time(*at_ms)) : json::value(nullptr);
}

struct gathered {
  store::opportunity_summary opportunities;
  store::reply_pipeline_stats stats;
  std::vector<store::job_last_run> runs;
  std::vector<store::harvester_account> auth_required;
};

result<gathered> gather(store::database& db, const config::troupe_config& config, std::int64_t now_ms) {
  gathered found;
  auto opportunities = store::summarize_opportunities(db, now_ms);
  if (!opportunities) return opportunities.failure();
  found.opportunities = *opportunities;
  auto stats = store::read_reply_pipeline_stats(db, now_ms, config.content.reply.preflight_window);
  if (!stats) return stats.failure();
  found.stats = std::move(*stats);
  auto runs = store::load_job_runs(db);
  if (!runs) return runs.failure();
  found.runs = std::move(*runs);
  auto marked = store::auth_required_accounts(db);
  if (!marked) return marked.failure();
  found.auth_required = std::move(*marked);
  return found;
}

content::reply_pipeline_view view_of(const gathered& found, const config::troupe_config& config,
                                     const config::flags_config& flags) {
  content::reply_pipeline_view view;
  view.fresh_24h = found.opportunities.fresh_24h;
  view.harvesting_enabled = flags.harvesting_enabled;
  for (const auto& account : found.auth_required) view.auth_required_accounts.push_back(account.account_id);
  for (const auto& run : found.runs) view.last_runs[run.job] = {run.finished_at_ms, run.succeeded, run.summary};
  for (const auto& [name, job] : config.jobs) {
    if (job.enabled) view.every_ms[name] = job.every_ms;
  }
  view.last_claim_ms = found.stats.last_claim_ms;
  view.due_scheduled = found.stats.due_scheduled;
  view.recent_preflights = found.stats.recent_preflights;
  return view;
}

json::value last_run_json(const std::vector<store::job_last_run>& runs, const std::string& job) {
  for (const auto& run : runs) {
    if (run.job != job) continue;
    return json::object{{"run_id", run.run_id},
                        {"started_at", policy::iso_utc_time(run.started_at_ms)},
                        {"finished_at", policy::iso_utc_time(run.finished_at_ms)},
                        {"succeeded", run.succeeded},
                        {"summary", run.summary},
                        {"last_success_at", time_or_null(run.last_success_at_ms)}};
  }
  return nullptr;
}

json::array stages_json(const std::vector<content::stage_health>& stages, const std::vector<store::job_last_run>& runs) {
  json::array out;
  for (const auto& stage : stages) {
    json::array reasons;
    for (const auto& reason : stage.reasons) reasons.push_back(json::value(reason));
    out.push_back(json::object{{"stage", stage.stage},
                               {"job", stage.job},
                               {"status", content::verdict_name(stage.going_well)},
                               {"reasons", std::move(reasons)},
                               {"last_run", last_run_json(runs, stage.job)}});
  }
  return out;
}

json::object details_json(const gathered& found) {
  const auto& o = found.opportunities;
  json::array decisions;
  for (const auto& count : found.stats.decisions) {
    decisions.push_back(
        json::object{{"pipeline_source", count.pipeline_source}, {"status", count.status}, {"count", count.count}});
  }
  json::object preflight;
  for (const auto& [answer, count] : found.stats.preflights) preflight[answer] = count;
  json::array recent;
  for (const auto& answer : found.stats.recent_preflights) recent.push_back(json::value(answer));
  json::value success = nullptr;
  if (const auto& last = found.stats.last_reply_success) {
    success = json::object{{"at", policy::iso_utc_time(last->at_ms)},
                           {"decision_id", last->decision_id},
                           {"post_id", last->platform_post_id},
                           {"account_id", last->account_id}};
  }
  json::array auth;
  for (const auto& account : found.auth_required) {
    auth.push_back(json::object{
        {"account_id", account.account_id}, {"since", time_or_null(account.logged_out_since_ms)}, {"reason", account.reason}});
  }
  return {{"opportunities",
           {{"total", o.total},
            {"fresh_24h", o.fresh_24h},
            {"fresh_12h", o.fresh_12h},
            {"oldest", time_or_null(o.oldest_ms)},
            {"newest", time_or_null(o.newest_ms)}}},
          {"decisions", std::move(decisions)},
          {"preflight", std::move(preflight)},
          {"recent_preflights", std::move(recent)},
          {"last_claim_at", time_or_null(found.stats.last_claim_ms)},
          {"due_scheduled", found.stats.due_scheduled},
          {"last_reply_success", std::move(success)},
          {"auth_required", std::move(auth)}};
}

std::string text_or(const json::value& value, const char* absent) {
  if (value.is_string()) return std::string(value.as_string());
  if (value.is_null()) return absent;
  return json::serialize(value);
}

}  // namespace

result<json::object> reply_pipeline_report(store::database& db, const config::troupe_config& config,
                                           const config::flags_config& flags, std::int64_t now_ms) {
  auto found = gather(db, config, now_ms);
  if (!found) return found.failure();
  const auto stages = content::judge_reply_pipeline(view_of(*found, config, flags), now_ms);
  bool all_well = true;
  for (const auto& stage : stages) all_well = all_well && stage.going_well;
  auto report = details_json(*found);
  report["status"] = content::verdict_name(all_well);
  report["stages"] = stages_json(stages, found->runs);
  report["harvesting_enabled"] = flags.harvesting_enabled;
  report["generated_at"] = policy::iso_utc_time(now_ms);
  return report;
}

std::string reply_pipeline_text(const json::object& report) {
  std::ostringstream out;
  out << "reply pipeline: " << text_or(report.at("status"), "?") << " (at " << text_or(report.at("generated_at"), "?")
      << ")\n\nstages:\n";
  for (const auto& item : report.at("stages").as_array()) {
    const auto& stage = item.as_object();
    const auto& last = stage.at("last_run");
    out << fmt::format("  {:<10} job:{:<9} {:<16} last run: {}\n", text_or(stage.at("stage"), ""),
                       text_or(stage.at("job"), ""), text_or(stage.at("status"), ""),
                       last.is_object() ? text_or(last.at("finished_at"), "") + " " +
                                              (last.at("succeeded").as_bool() ? "ok: " : "failed: ") +
                                              text_or(last.at("summary"), "")
                                        : std::string("none"));
    for (const auto& reason : stage.at("reasons").as_array()) out << "             - " << text_or(reason, "") << "\n";
  }
  const auto& o = report.at("opportunities").as_object();
  out << fmt::format("\nopportunities: total {}, fresh 24h {}, fresh 12h {}, oldest {}, newest {}\n",
                     text_or(o.at("total"), "0"), text_or(o.at("fresh_24h"), "0"), text_or(o.at("fresh_12h"), "0"),
                     text_or(o.at("oldest"), "-"), text_or(o.at("newest"), "-"));
  out << "\ndecisions by pipeline source and status:\n";
  for (const auto& item : report.at("decisions").as_array()) {
    const auto& row = item.as_object();
    out << fmt::format("  {:<20} {:<18} {}\n", text_or(row.at("pipeline_source"), ""), text_or(row.at("status"), ""),
                       text_or(row.at("count"), "0"));
  }
  out << "\npreflight answers:";
  for (const auto& [answer, count] : report.at("preflight").as_object()) out << " " << answer << "=" << text_or(count, "0");
  out << "\nlast REPLY_SUCCESS: ";
  const auto& success = report.at("last_reply_success");
  out << (success.is_object() ? text_or(success.at("at"), "") + " decision " + text_or(success.at("decision_id"), "") +
                                    " post " + text_or(success.at("post_id"), "")
                              : std::string("none"))
      << "\n";
  for (const auto& item : report.at("auth_required").as_array()) {
    const auto& account = item.as_object();
    out << "auth required: " << text_or(account.at("account_id"), "") << " since " << text_or(account.at("since"), "?")
        << " (" << text_or(account.at("reason"), "") << ")\n";
  }
  return out.str();
}

}  // namespace troupe::pipeline
