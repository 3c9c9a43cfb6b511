// What the API's handlers reach: the actor tree (through the bridge), the
// config reloader, the metrics, the database (through the query worker) and
// the server's request counts. Owned by the daemon; shared by the handlers
// for the server's lifetime. Every member is thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "runtime/config_reloader.hpp"
#include "runtime/http/actor_bridge.hpp"
#include "runtime/http/query_worker.hpp"
#include "runtime/http/router.hpp"
#include "runtime/metrics.hpp"
#include "runtime/ops/monitor_board.hpp"

namespace troupe::http {

struct api_context {
  actor_bridge actors;
  config_reloader& reloader;
  node_metrics& metrics;
  query_worker& queries;
  std::function<std::map<int, std::uint64_t>()> request_counts;  // set once the server runs
  std::function<std::int64_t()> now_ms;                           // wall clock, ms since epoch
  std::function<const char*(const char*)> environment;           // std::getenv in the daemon
  // job:monitor's issues (an empty board where no monitor runs).
  std::shared_ptr<const ops::monitor_board> monitor = std::make_shared<ops::monitor_board>();
  // The status report, built on the query worker's thread (its database, or
  // null and why); unset: GET /api/report answers 503.
  std::function<boost::json::object(store::database*, const std::string&)> report = nullptr;

  // The admin token in force (ADMIN_TOKEN wins over http.adminToken); nullopt when none.
  std::optional<std::string> admin_token() const;
};

// Every route of the API and the console, in one router.
router api_routes(const std::shared_ptr<api_context>& context);

// One registration function per endpoint family (one file each).
void add_health_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_actor_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_config_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_admin_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_history_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_metrics_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_action_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_decision_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_publishing_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_pipeline_status_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_learning_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_cluster_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_job_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_monitor_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_report_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_fatal_issue_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_summary_routes(router& routes, const std::shared_ptr<api_context>& context);
void add_console_routes(router& routes);

}  // namespace troupe::http
