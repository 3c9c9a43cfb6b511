// POST /admin/pause, /admin/resume and /admin/accounts/{id}/clear-recovery.
#include "runtime/http/handler_support.hpp"
#include "runtime/http/api_context.hpp"

namespace troupe::http {
namespace {

handler set_paused(const std::shared_ptr<api_context>& context, bool paused) {
  return admin_only(context, [context, paused](const request&, responder reply) {
    context->actors.set_paused(paused);
    reply(json_response(200, boost::json::object{{"paused", paused}}));
  });
}

}  // namespace

void add_admin_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("POST", "/admin/pause", set_paused(context, true));
  routes.add("POST", "/admin/resume", set_paused(context, false));
  routes.add("POST", "/admin/accounts/{id}/clear-recovery",
             admin_only(context, [context](const request& incoming, responder reply) {
               const auto id = incoming.path_params.at("id");
               context->actors.clear_recovery(id, [id, reply](result<bool> cleared) {
                 if (!cleared) return (void)reply(error_response(503, cleared.failure().message));
                 if (!*cleared) return (void)reply(error_response(404, "no running account " + id));
                 reply(json_response(200, boost::json::object{{"account", id}, {"needs_recovery", false}}));
               });
             }));
}

}  // namespace troupe::http
