// GET /api/config and POST /admin/reload. A reload reads and validates the
// files on the config reloader's own thread, never on the HTTP I/O thread.
#include "config/json.hpp"
#include "runtime/http/api_context.hpp"
#include "runtime/http/handler_support.hpp"
#include "runtime/http/json_views.hpp"

namespace troupe::http {
namespace {

boost::json::object config_json(const api_context& context) {
  boost::json::array files;
  for (const auto& file : context.reloader.files()) files.push_back(boost::json::value(file));
  return {{"config_version", context.reloader.version()},
          {"files", std::move(files)},
          {"config", config::to_json(*context.reloader.current())},
          {"last_reload", reload_json(context.reloader.last_reload())}};
}

// The answer to POST /admin/reload: 200 with the new version, or 422 with the errors.
response reload_answer(const reload_record& record) {
  const auto last_reload = reload_json(record);
  return json_response(record.ok ? 200 : 422,
                       boost::json::object{{"ok", record.ok},
                                           {"config_version", record.config_version},
                                           {"errors", last_reload.at("errors")},
                                           {"last_reload", last_reload}});
}

}  // namespace

void add_config_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/config", [context](const request&, responder reply) {
    reply(json_response(200, config_json(*context)));
  });
  routes.add(
      "POST", "/admin/reload", admin_only(context, [context](const request&, responder reply) {
        const bool queued = context->reloader.reload_later(
            "http", context->now_ms(),
            [reply](const reload_record& record) { reply(reload_answer(record)); });
        if (!queued)
          reply(error_response(503, "too many reloads are waiting already; try again shortly"));
      }));
}

}  // namespace troupe::http
