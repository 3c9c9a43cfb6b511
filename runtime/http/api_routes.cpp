#include "config/flags.hpp"
#include "runtime/http/api_context.hpp"

namespace troupe::http {

std::optional<std::string> api_context::admin_token() const {
  auto token = config::effective_admin_token(reloader.current()->http, environment);
  if (token.empty()) return std::nullopt;
  return token;
}

router api_routes(const std::shared_ptr<api_context>& context) {
  router routes;
  add_health_routes(routes, context);
  add_actor_routes(routes, context);
  add_config_routes(routes, context);
  add_admin_routes(routes, context);
  add_history_routes(routes, context);
  add_metrics_routes(routes, context);
  add_action_routes(routes, context);
  add_decision_routes(routes, context);
  add_publishing_routes(routes, context);
  add_pipeline_status_routes(routes, context);
  add_learning_routes(routes, context);
  add_cluster_routes(routes, context);
  add_job_routes(routes, context);
  add_monitor_routes(routes, context);
  add_report_routes(routes, context);
  add_fatal_issue_routes(routes, context);
  add_summary_routes(routes, context);
  add_console_routes(routes);
  return routes;
}

}  // namespace troupe::http
