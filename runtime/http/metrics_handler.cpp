// GET /api/metrics (JSON) and GET /metrics (Prometheus text): the node's
// counters, the semaphore's gauges read from the supervisor, and the content
// pipeline's figures read from the store on the query worker (LLM calls and
// failures from api_usage, today's cost and what is left of the daily
// budget, the queued decisions, the posts attempted and posted, the real
// outcomes, the rewards learned and the predictor's version) next to the
// orchestrator's skips by reason and the learn runs counted in this process.
// When the store does not answer, the
// pipeline's JSON fields are null and its Prometheus families are left out,
// so that a dead store never reads as zero calls and a full budget.
#include <algorithm>

#include "config/flags.hpp"
#include "runtime/http/api_context.hpp"
#include "runtime/http/json_views.hpp"
#include "runtime/store/api_usage.hpp"
#include "runtime/store/content_decisions.hpp"
#include "runtime/store/outcomes.hpp"

namespace troupe::http {
namespace {

struct permit_gauges {
  std::int64_t capacity = 0, in_use = 0, waiting = 0;
};

struct pipeline_figures {
  store::api_usage_totals usage;
  std::int64_t queue_size = 0;  // decisions queued
  double budget_left_usd = 0;   // the daily limit minus today's cost, at least 0
  store::publishing_totals publishing;
};

// Everything one scrape shows.
struct scrape {
  metrics_snapshot counts;
  permit_gauges permits;
  std::map<int, std::uint64_t> requests;
  std::uint64_t config_version = 0;
  std::optional<pipeline_figures> pipeline;  // nullopt: the store did not answer
  ops::monitor_totals monitor;
  std::size_t monitor_open = 0;
};

permit_gauges permits_of(const msg::actor_snapshot& supervisor) {
  auto counter = [&](const char* key) {
    auto found = supervisor.counters.find(key);
    return found == supervisor.counters.end() ? std::int64_t{0} : found->second;
  };
  return {counter("permits_capacity"), counter("permits_in_use"), counter("permits_waiting")};
}

// The pipeline's figures at now_ms against the effective daily LLM limit.
std::optional<pipeline_figures> pipeline_figures_of(store::database* db, const api_context& context) {
  if (db == nullptr) return std::nullopt;
  auto usage = store::usage_totals(*db, context.now_ms());
  auto decisions = store::count_decisions_by_status(*db);
  auto publishing = store::read_publishing_totals(*db);
  if (!usage || !decisions || !publishing) return std::nullopt;
  const auto flags = config::apply_environment(context.reloader.current()->flags, context.environment);
  return pipeline_figures{*usage, decisions->at(store::decision_status::queued),
                          std::max(0.0, flags.daily_openai_limit_usd - usage->cost_today_usd), *publishing};
}

std::uint64_t total_requests(const std::map<int, std::uint64_t>& counts) {
  std::uint64_t total = 0;
  for (const auto& entry : counts) total += entry.second;
  return total;
}

std::int64_t failed_calls(const store::api_usage_totals& usage) { return usage.failed + usage.refused; }

// The pipeline's fields of /api/metrics; each null when the store did not answer.
void add_pipeline_json(boost::json::object& out, const std::optional<pipeline_figures>& pipeline) {
  for (const char* field : {"openaiCalls_total", "openaiCalls_failed", "openaiFailureReasons", "queueSize",
                            "openaiCostTodayUsd", "openaiBudgetLeftUsd", "postsAttempted", "postsPosted",
                            "outcomesWritten", "banditArmsUpdated", "predictorVersion"}) {
    out[field] = nullptr;
  }
  if (!pipeline) return;
  boost::json::object reasons;
  for (const auto& [reason, count] : pipeline->usage.failures_by_reason) reasons[reason] = count;
  out["openaiCalls_total"] = pipeline->usage.calls;
  out["openaiCalls_failed"] = failed_calls(pipeline->usage);
  out["openaiFailureReasons"] = std::move(reasons);
  out["queueSize"] = pipeline->queue_size;
  out["openaiCostTodayUsd"] = pipeline->usage.cost_today_usd;
  out["openaiBudgetLeftUsd"] = pipeline->budget_left_usd;
  const auto& publishing = pipeline->publishing;
  out["postsAttempted"] = publishing.posts_attempted;
  out["postsPosted"] = publishing.posts_posted;
  out["outcomesWritten"] = publishing.real_outcomes;
  out["banditArmsUpdated"] = publishing.arm_updates;
  if (publishing.predictor_version) out["predictorVersion"] = *publishing.predictor_version;
}

boost::json::object metrics_json(const scrape& figures) {
  const auto& counts = figures.counts;
  const auto& permits = figures.permits;
  boost::json::object sessions, skips, by_status;
  for (const auto& [activity, outcomes] : counts.sessions) {
    boost::json::object per_outcome;
    for (const auto& [outcome, count] : outcomes) per_outcome[outcome] = count;
    sessions[activity] = std::move(per_outcome);
  }
  for (const auto& [reason, count] : counts.skips) skips[reason] = count;
  boost::json::object post_skips;
  for (const auto& [reason, count] : counts.post_skips) post_skips[reason] = count;
  for (const auto& [status, count] : figures.requests) by_status[std::to_string(status)] = count;
  const auto& handoff = counts.handoff_delays_s;
  boost::json::object out{
      {"sessions", std::move(sessions)},
      {"permits", {{"capacity", permits.capacity}, {"in_use", permits.in_use}, {"waiting", permits.waiting}}},
      {"skips", std::move(skips)},
      {"handoff_delay_s", {{"count", handoff.count()}, {"sum", handoff.sum()}}},
      {"recoveries", counts.recoveries},
      {"restarts", counts.restarts},
      {"config_reloads", {{"success", counts.reloads_succeeded}, {"failure", counts.reloads_failed}}},
      {"config_last_reload_successful", counts.last_reload_successful},
      {"config_version", figures.config_version},
      {"http_requests", total_requests(figures.requests)},
      {"http_requests_by_status", std::move(by_status)},
      {"post_skipped_reason_counts", std::move(post_skips)},
      {"learnRuns", counts.learn_runs},
      {"monitor",
       {{"open", figures.monitor_open},
        {"raised", figures.monitor.raised},
        {"resolved", figures.monitor.resolved},
        {"resolution_rate", or_null(ops::resolution_rate(figures.monitor))},
        {"mean_time_to_resolve_ms", or_null(ops::mean_time_to_resolve_ms(figures.monitor))}}}};
  add_pipeline_json(out, figures.pipeline);
  return out;
}

// The resolution rate and mean time to resolve appear once an issue was raised (resolved).
void write_monitor_metrics(prometheus_writer& out, const scrape& figures) {
  out.gauge("troupe_monitor_issues_open", "Monitor issues open now.", static_cast<double>(figures.monitor_open));
  out.counter("troupe_monitor_issues_raised_total", "Monitor issues raised (open ones stored earlier included).",
              static_cast<double>(figures.monitor.raised));
  out.counter("troupe_monitor_issues_resolved_total", "Monitor issues resolved.",
              static_cast<double>(figures.monitor.resolved));
  if (auto rate = ops::resolution_rate(figures.monitor)) {
    out.gauge("troupe_monitor_resolution_rate", "Share of the raised monitor issues that were resolved.", *rate);
  }
  if (auto mean = ops::mean_time_to_resolve_ms(figures.monitor)) {
    out.gauge("troupe_monitor_mean_time_to_resolve_seconds", "Mean time from raising a monitor issue to resolving it.",
              *mean / 1000.0);
  }
}

void write_node_metrics(prometheus_writer& out, const scrape& figures) {
  const auto& counts = figures.counts;
  const auto& permits = figures.permits;
  for (const auto& [activity, outcomes] : counts.sessions) {
    for (const auto& [outcome, count] : outcomes) {
      out.counter("troupe_sessions_total", "Sessions ended, by activity and outcome.", static_cast<double>(count),
                  {{"activity", activity}, {"outcome", outcome}});
    }
  }
  out.gauge("troupe_permits_capacity", "Permits of the global semaphore.", static_cast<double>(permits.capacity));
  out.gauge("troupe_permits_in_use", "Permits held by running sessions.", static_cast<double>(permits.in_use));
  out.gauge("troupe_permits_waiting", "Permit requests waiting in the queue.", static_cast<double>(permits.waiting));
  out.histogram("troupe_handoff_delay_seconds", "Handoff delays drawn after sessions ended.", counts.handoff_delays_s);
  for (const auto& [reason, count] : counts.skips) {
    out.counter("troupe_skips_total", "Planned ticks skipped, by reason.", static_cast<double>(count), {{"reason", reason}});
  }
  for (const auto& [reason, count] : counts.post_skips) {
    out.counter("troupe_post_skipped_total", "Decisions the posting orchestrator kept back, by reason.",
                static_cast<double>(count), {{"reason", reason}});
  }
  out.counter("troupe_learn_runs_total", "Runs of the learn job.", static_cast<double>(counts.learn_runs));
  out.counter("troupe_recoveries_total", "Recoveries started.", static_cast<double>(counts.recoveries));
  out.counter("troupe_restarts_total", "Pods restarted after a crash.", static_cast<double>(counts.restarts));
  out.counter("troupe_config_reloads_total", "Config reloads, by result.", static_cast<double>(counts.reloads_succeeded),
              {{"result", "success"}});
  out.counter("troupe_config_reloads_total", "Config reloads, by result.", static_cast<double>(counts.reloads_failed),
              {{"result", "failure"}});
  out.gauge("troupe_config_last_reload_successful", "1 if the last config reload succeeded (or none was tried).",
            counts.last_reload_successful ? 1 : 0);
  out.gauge("troupe_config_version", "Version of the running config.", static_cast<double>(figures.config_version));
  write_monitor_metrics(out, figures);
  for (const auto& [status, count] : figures.requests) {
    out.counter("troupe_http_requests_total", "HTTP responses sent, by status code.", static_cast<double>(count),
                {{"code", std::to_string(status)}});
  }
}

void write_pipeline_metrics(prometheus_writer& out, const pipeline_figures& pipeline) {
  const auto& usage = pipeline.usage;
  out.counter("troupe_openai_calls_total", "LLM calls recorded in api_usage, refused ones included.",
              static_cast<double>(usage.calls));
  out.counter("troupe_openai_calls_failed_total", "LLM calls that failed or were refused.",
              static_cast<double>(failed_calls(usage)));
  for (const auto& [reason, count] : usage.failures_by_reason) {
    out.counter("troupe_openai_failures_total", "LLM calls that failed or were refused, by reason.",
                static_cast<double>(count), {{"reason", reason}});
  }
  out.gauge("troupe_content_queue_size", "Content decisions queued for posting.",
            static_cast<double>(pipeline.queue_size));
  out.gauge("troupe_openai_cost_today_usd", "LLM cost of the current UTC day, in USD.", usage.cost_today_usd);
  out.gauge("troupe_openai_budget_left_usd", "DAILY_OPENAI_LIMIT_USD minus today's LLM cost, at least 0.",
            pipeline.budget_left_usd);
  const auto& publishing = pipeline.publishing;
  out.counter("troupe_posts_attempted_total", "Decisions handed to the queue for posting.",
              static_cast<double>(publishing.posts_attempted));
  out.counter("troupe_posts_posted_total", "Decisions posted.", static_cast<double>(publishing.posts_posted));
  out.counter("troupe_outcomes_written_total", "Real (not simulated) outcomes collected.",
              static_cast<double>(publishing.real_outcomes));
  out.counter("troupe_bandit_arms_updated_total", "Rewards the learn job taught the arms.",
              static_cast<double>(publishing.arm_updates));
  if (publishing.predictor_version) {
    out.gauge("troupe_predictor_version", "Version of the latest content predictor.",
              static_cast<double>(*publishing.predictor_version));
  }
}

std::string prometheus_text(const scrape& figures) {
  prometheus_writer out;
  write_node_metrics(out, figures);
  if (figures.pipeline) write_pipeline_metrics(out, *figures.pipeline);
  return out.text();
}

// Reads the supervisor's gauges, then the store's figures on the query
// worker, then answers with `render` of everything.
template <class Render>
handler with_metrics(const std::shared_ptr<api_context>& context, Render render) {
  return [context, render](const request&, responder reply) {
    context->actors.supervisor([context, reply, render](result<msg::actor_snapshot> supervisor) {
      scrape figures;
      figures.counts = context->metrics.snapshot();
      figures.permits = supervisor ? permits_of(*supervisor) : permit_gauges{};
      if (context->request_counts) figures.requests = context->request_counts();
      figures.config_version = context->reloader.version();
      const auto monitor = context->monitor->read();
      figures.monitor = monitor.totals;
      figures.monitor_open = monitor.open.size();
      context->queries.post([context, reply, render, figures](store::database* db, const std::string&) mutable {
        figures.pipeline = pipeline_figures_of(db, *context);
        reply(render(figures));
      });
    });
  };
}

}  // namespace

void add_metrics_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/metrics",
             with_metrics(context, [](const scrape& figures) { return json_response(200, metrics_json(figures)); }));
  routes.add("GET", "/metrics", with_metrics(context, [](const scrape& figures) {
               return text_response(200, prometheus_text(figures), std::string(prometheus_writer::content_type));
             }));
}

}  // namespace troupe::http
