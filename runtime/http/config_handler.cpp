// GET /api/config and POST /admin/reload.
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

}  // namespace

void add_config_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/config", [context](const request&, responder reply) {
    reply(json_response(200, config_json(*context)));
  });
  routes.add("POST", "/admin/reload", admin_only(context, [context](const request&, responder reply) {
    const auto record = context->reloader.reload("http", context->now_ms());
    const auto last_reload = reload_json(record);
    reply(json_response(record.ok ? 200 : 422, boost::json::object{{"ok", record.ok},
                                                                   {"config_version", record.config_version},
                                                                   {"errors", last_reload.at("errors")},
                                                                   {"last_reload", last_reload}}));
  }));
}

}  // namespace troupe::http
