// GET /api/health, /api/ready, /api/version and /env.
#include "config/flags.hpp"
#include "config/json.hpp"
#include "runtime/effect_gates.hpp"
#include "runtime/http/api_context.hpp"
#include "runtime/http/json_views.hpp"
#include "runtime/llm/settings.hpp"
#include "runtime/store/api_usage.hpp"
#include "runtime/store/migrations.hpp"

namespace troupe::http {
namespace {

boost::json::object check_json(bool ok, const std::string& detail) { return {{"ok", ok}, {"detail", detail}}; }

// The store is reachable and has every table.
std::pair<bool, std::string> store_check(store::database* db, const std::string& problem) {
  if (db == nullptr) return {false, problem};
  auto tables = store::check_tables(*db);
  if (!tables) return {false, tables.failure().message};
  for (const auto& table : *tables) {
    if (!table.present) return {false, "table " + table.name + " is missing"};
  }
  return {true, "reachable"};
}

boost::json::object gate_json(const gate_decision& gate) {
  return {{"allowed", gate.allowed}, {"reason", gate.reason}};
}

// What the LLM has spent today (UTC) by api_usage; 0 when the store cannot say.
double spent_today_usd(store::database* db, std::int64_t now_ms) {
  if (db == nullptr) return 0.0;
  auto spent = store::spent_on_utc_day(*db, now_ms);
  return spent ? *spent : 0.0;
}

// What the LLM gate says now, with today's spending; a dead store reads as nothing spent.
struct llm_view {
  config::flags_config flags;  // effective
  llm_budget budget;
  gate_decision availability;
};

llm_view llm_now(const api_context& context, store::database* db) {
  const auto config = context.reloader.current();
  llm_view view;
  view.flags = config::apply_environment(config->flags, context.environment);
  view.budget.spent_today_usd = spent_today_usd(db, context.now_ms());
  view.availability = llm::llm_availability(*config, view.flags, view.budget, context.environment);
  return view;
}

// Ready: a config is loaded, the store answers and every table is there, and
// the supervisor answers. A failed last reload is shown but keeps it ready:
// the running config stays in force.
void ready(const std::shared_ptr<api_context>& context, const responder& reply) {
  context->actors.supervisor([context, reply](result<msg::actor_snapshot> supervisor) {
    const bool actors_ok = supervisor.ok();
    const auto actors_detail = actors_ok ? std::string("supervisor answers") : supervisor.failure().message;
    context->queries.post([=](store::database* db, const std::string& problem) {
      auto [store_ok, store_detail] = store_check(db, problem);
      const bool ready = store_ok && actors_ok;
      // The LLM never fails readiness: without it the daemon runs, and says why.
      const auto llm = llm_now(*context, db).availability;
      boost::json::object checks{
          {"config", check_json(true, "version " + std::to_string(context->reloader.version()))},
          {"store", check_json(store_ok, store_detail)},
          {"actors", check_json(actors_ok, actors_detail)}};
      reply(json_response(ready ? 200 : 503, boost::json::object{{"ready", ready},
                                                                  {"checks", std::move(checks)},
                                                                  {"llm", {{"available", llm.allowed}, {"reason", llm.reason}}},
                                                                  {"last_reload", reload_json(context->reloader.last_reload())}}));
    });
  });
}

// Each flag's configured and effective value; "environment" where a variable changed it.
boost::json::object env_json(const api_context& context, store::database* db) {
  auto config = *context.reloader.current();
  const auto configured = config::to_json(config).as_object().at("flags").as_object();
  config.flags = config::apply_environment(config.flags, context.environment);
  const auto effective = config::to_json(config).as_object().at("flags").as_object();
  boost::json::object flags;
  for (const auto& [name, value] : effective) {
    const bool changed = configured.at(name) != value;
    flags[name] = {{"value", value}, {"config", configured.at(name)}, {"source", changed ? "environment" : "config"}};
  }
  boost::json::array problems;
  for (const auto& problem : config::environment_problems(context.environment)) problems.push_back(boost::json::value(problem));
  const bool token_from_env = context.environment("ADMIN_TOKEN") != nullptr && *context.environment("ADMIN_TOKEN") != '\0';
  boost::json::object environment{{"ADMIN_TOKEN", token_from_env ? boost::json::value("<redacted>") : nullptr}};
  const auto llm = llm_now(context, db);
  return {{"flags", std::move(flags)},
          {"postingAllowed", gate_json(posting_allowed(config.flags))},
          {"llmAllowed", gate_json(llm.availability)},
          {"llmSpentTodayUsd", llm.budget.spent_today_usd},
          {"llmBudgetUsd", config.flags.daily_openai_limit_usd},
          {"analyticsAllowed", gate_json(real_analytics_allowed(config.flags))},
          {"summary", effect_gates_summary(config.flags, llm.budget)},
          {"environment", std::move(environment)},
          {"admin_token_configured", context.admin_token().has_value()},
          {"problems", std::move(problems)}};
}

}  // namespace

void add_health_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/health", [](const request&, responder reply) {
    reply(json_response(200, boost::json::object{{"status", "ok"}}));
  });
  routes.add("GET", "/api/ready", [context](const request&, responder reply) { ready(context, reply); });
  routes.add("GET", "/api/version", [context](const request&, responder reply) {
    reply(json_response(200, boost::json::object{{"version", TROUPE_VERSION},
                                                 {"config_version", context->reloader.version()}}));
  });
  routes.add("GET", "/env", [context](const request&, responder reply) {
    context->queries.post([context, reply](store::database* db, const std::string&) {
      reply(json_response(200, env_json(*context, db)));
    });
  });
}

}  // namespace troupe::http
