#include "runtime/ops/status_report.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <map>

#include "runtime/http/json_views.hpp"

namespace troupe::ops {
namespace {

namespace json = boost::json;

constexpr double slow_store_ms = 1000.0;  // a store answering slower than this needs attention

// The layer (0..3) a monitor condition is about.
int layer_of(const std::string& condition_id) {
  static const std::map<std::string, int> layers{
      {"low_disk", 0},      {"stale_version", 0},        {"database_unreachable", 1}, {"actor_heartbeat_stale", 2},
      {"account_parked", 2}, {"error_streak", 2},         {"driver_auth_required", 2}, {"dlq_not_empty", 3},
      {"queue_backlog_growing", 3}, {"aol_lease", 3},      {"llm_unavailable", 3},      {"no_post", 3}};
  const auto found = layers.find(condition_id.substr(0, condition_id.find(':')));
  return found == layers.end() ? 3 : found->second;
}

// A verdict being built: attention is needed iff there is a reason.
struct verdict {
  std::vector<std::string> reasons;
  void because(std::string reason) { reasons.push_back(std::move(reason)); }
  const char* status() const { return reasons.empty() ? "going_well" : "needs_attention"; }
  json::array reasons_json() const {
    json::array out;
    for (const auto& reason : reasons) out.emplace_back(reason);
    return out;
  }
};

void add_issue_reasons(const report_facts& facts, int layer, verdict& judged) {
  for (const auto& issue : facts.open_issues) {
    if (layer_of(issue.condition_id) == layer) judged.because(issue.title + " (" + issue.condition_id + ")");
  }
}

json::object layer_json(int layer, const char* name, const verdict& judged, json::object facts) {
  return {{"layer", layer},
          {"name", name},
          {"status", judged.status()},
          {"reasons", judged.reasons_json()},
          {"facts", std::move(facts)}};
}

json::object process_layer(const report_facts& facts) {
  verdict judged;
  add_issue_reasons(facts, 0, judged);
  json::value reload = nullptr;
  if (const auto& last = facts.last_reload) {
    json::array errors;
    for (const auto& line : last->errors) errors.emplace_back(line);
    reload = json::object{{"at", http::iso_time(last->at_ms)}, {"trigger", last->trigger}, {"ok", last->ok},
                          {"errors", std::move(errors)}};
    if (!last->ok) judged.because("the last config reload failed; the previous config still runs");
  }
  return layer_json(0, "process", judged,
                    {{"uptime_s", (facts.now_ms - facts.started_at_ms) / 1000},
                     {"started_at", http::iso_time(facts.started_at_ms)},
                     {"version", facts.version},
                     {"config_version", facts.config_version},
                     {"last_reload", std::move(reload)}});
}

json::object store_layer(const report_facts& facts) {
  verdict judged;
  if (facts.store_error) judged.because("the database does not answer: " + *facts.store_error);
  if (facts.store_latency_ms && *facts.store_latency_ms > slow_store_ms) {
    judged.because(fmt::format("the database answers slowly ({:.0f} ms)", *facts.store_latency_ms));
  }
  add_issue_reasons(facts, 1, judged);
  return layer_json(1, "store", judged,
                    {{"backend", facts.backend},
                     {"latency_ms", http::or_null(facts.store_latency_ms)},
                     {"size_bytes", http::or_null(facts.store_size_bytes)}});
}

json::object actors_layer(const report_facts& facts) {
  verdict judged;
  if (!facts.supervisor_answered) judged.because("the supervisor does not answer");
  json::array parked;
  for (const auto& account : facts.accounts) {
    if (account.status == "parked" || account.needs_recovery) parked.emplace_back(account.id);
  }
  if (!parked.empty()) judged.because(fmt::format("{} accounts are parked", parked.size()));
  add_issue_reasons(facts, 2, judged);
  return layer_json(2, "actors", judged,
                    {{"supervisor_answered", facts.supervisor_answered},
                     {"pods", facts.pods},
                     {"accounts", facts.accounts.size()},
                     {"permits",
                      {{"in_use", facts.permits_in_use},
                       {"capacity", facts.permits_capacity},
                       {"waiting", facts.permits_waiting}}},
                     {"parked_accounts", std::move(parked)}});
}

json::object pipeline_json(const char* name, const verdict& judged, json::object facts) {
  return {{"name", name}, {"status", judged.status()}, {"reasons", judged.reasons_json()}, {"facts", std::move(facts)}};
}

// Layer 3's monitor issues by the pipeline they are about.
void add_pipeline_issues(const report_facts& facts, std::initializer_list<const char*> conditions, verdict& judged) {
  for (const auto& issue : facts.open_issues) {
    for (const char* condition : conditions) {
      if (issue.condition_id == condition) judged.because(issue.title + " (" + issue.condition_id + ")");
    }
  }
}

json::object pipelines_layer(const report_facts& facts) {
  verdict runner, aol, content, reply;
  if (facts.sessions_ended > 0 && facts.sessions_failed * 2 > facts.sessions_ended) {
    runner.because(fmt::format("{} of {} sessions failed since start", facts.sessions_failed, facts.sessions_ended));
  }
  add_pipeline_issues(facts, {"dlq_not_empty", "queue_backlog_growing", "aol_lease"}, aol);
  add_pipeline_issues(facts, {"llm_unavailable", "no_post"}, content);
  if (!facts.reply_going_well) {
    reply.because("not judged: the database does not answer");
  } else if (!*facts.reply_going_well) {
    for (const auto& reason : facts.reply_reasons) reply.because(reason);
  }
  json::array pipelines{
      pipeline_json("runner", runner, {{"sessions_ended", facts.sessions_ended}, {"sessions_failed", facts.sessions_failed}}),
      pipeline_json("aol", aol,
                    {{"dlq", facts.dlq_actions},
                     {"backlog", facts.backlog_actions},
                     {"lease_holder", http::or_null(facts.lease_holder)},
                     {"lease_held_here", facts.lease_ours}}),
      pipeline_json("content", content, {}), pipeline_json("reply", reply, {})};
  verdict judged;
  for (const auto& pipeline : pipelines) {
    const auto& item = pipeline.as_object();
    if (item.at("status") != "going_well") judged.because(fmt::format("the {} pipeline needs attention", item.at("name").as_string().c_str()));
  }
  return layer_json(3, "pipelines", judged, {{"pipelines", std::move(pipelines)}});
}

std::string text_of(const json::value& value) {
  return value.is_string() ? std::string(value.as_string()) : json::serialize(value);
}

}  // namespace

json::object build_report(const report_facts& facts) {
  json::array layers{process_layer(facts), store_layer(facts), actors_layer(facts), pipelines_layer(facts)};
  // Fatal issues are earlier runs' history: shown, not judged (this run is up).
  bool going_well = true;
  for (const auto& layer : layers) going_well = going_well && layer.as_object().at("status") == "going_well";
  return {{"generated_at", http::iso_time(facts.now_ms)},
          {"status", going_well ? "going_well" : "needs_attention"},
          {"layers", std::move(layers)},
          {"open_monitor_issues", facts.open_issues.size()},
          {"monitor_last_run_at", http::time_or_null(facts.monitor_last_run_at_ms)},
          {"fatal_issues", facts.fatal_issues}};
}

std::string report_text(const json::object& report) {
  std::string out = fmt::format("Troupe status at {}: {}\n", text_of(report.at("generated_at")), text_of(report.at("status")));
  auto reasons_of = [&](const json::object& item, const std::string& indent) {
    for (const auto& reason : item.at("reasons").as_array()) out += indent + "- " + text_of(reason) + "\n";
  };
  for (const auto& entry : report.at("layers").as_array()) {
    const auto& layer = entry.as_object();
    out += fmt::format("layer {} {:<10} {}\n", text_of(layer.at("layer")), text_of(layer.at("name")),
                       text_of(layer.at("status")));
    reasons_of(layer, "    ");
    const auto& facts = layer.at("facts").as_object();
    if (const auto* pipelines = facts.if_contains("pipelines")) {
      for (const auto& pipeline : pipelines->as_array()) {
        const auto& item = pipeline.as_object();
        out += fmt::format("    {:<8} {}\n", text_of(item.at("name")), text_of(item.at("status")));
        reasons_of(item, "        ");
      }
      continue;
    }
    for (const auto& fact : facts) out += fmt::format("    {}: {}\n", std::string(fact.key()), text_of(fact.value()));
  }
  const auto& fatal = report.at("fatal_issues").as_array();
  if (!fatal.empty()) out += fmt::format("fatal issues recorded by earlier runs: {}\n", fatal.size());
  for (const auto& issue : fatal) out += "  - " + json::serialize(issue) + "\n";
  return out;
}

}  // namespace troupe::ops
