// GET /api/actors, /api/actors/{id}, /api/pods, /api/accounts and
// /api/accounts/{id}: views of the live actor tree. All but the last are
// answered from the tree cache (one walk serves every request within
// http.treeRefreshMs), with the view's ETag (304 when If-None-Match
// names it); one account is asked of its own actor.
#include <spdlog/spdlog.h>

#include "runtime/http/api_context.hpp"
#include "runtime/http/json_views.hpp"
#include "runtime/http/tree_cache.hpp"

namespace troupe::http {
namespace {

using view_answer = std::function<response(const tree_view&, const request&)>;

response json_text_response(int status, std::string body) {
  return response{status, "application/json", std::move(body), {}};
}

// The answer from `view`, or 304 when the client holds this version already.
response answer_from(const tree_view& view, const request& incoming, const view_answer& answer) {
  const auto held = incoming.header("If-None-Match");
  auto reply = held && etag_matches(*held, view.etag()) ? response{304, "application/json", "", {}}
                                                        : answer(view, incoming);
  if (reply.status == 200 || reply.status == 304) {
    reply.headers.emplace_back("ETag", view.etag());
    reply.headers.emplace_back("Cache-Control", "no-cache");  // revalidate: the tree changes
  }
  return reply;
}

// Answers with `answer` of a fresh view, or 503 when the tree does not answer.
handler from_view(const std::shared_ptr<tree_cache>& cache, view_answer answer) {
  return [cache, answer = std::move(answer)](const request& incoming, responder reply) {
    cache->with_view([incoming, reply, answer](result<tree_cache::view_ptr> view) {
      if (!view) return (void)reply(error_response(503, view.failure().message));
      reply(answer_from(**view, incoming, answer));
    });
  };
}

// A page of `list` (of the view) as the request's limit, after and pod ask.
view_answer page_of(const serialised_list& (tree_view::*list)() const) {
  return [list](const tree_view& view, const request& incoming) {
    const auto query = parse_page_query(incoming.query);
    if (!query) return error_response(400, query.failure().message);
    return json_text_response(200, (view.*list)().page(*query));
  };
}

response one_actor(const tree_view& view, const request& incoming) {
  const auto& id = incoming.path_params.at("id");
  const auto found = view.actors().find(id);
  if (!found) return error_response(404, "no actor " + id);
  return json_text_response(200, std::string(*found));
}

response pods(const tree_view& view, const request&) {
  return json_text_response(200, view.pods());
}

// One account, from its own actor: the tree is not walked for it.
handler one_account(const std::shared_ptr<api_context>& context) {
  return [context](const request& incoming, responder reply) {
    const auto id = incoming.path_params.at("id");
    context->actors.account(id, [id, reply](result<std::optional<msg::actor_snapshot>> account) {
      if (!account) return (void)reply(error_response(503, account.failure().message));
      if (!*account) return (void)reply(error_response(404, "no account " + id));
      reply(json_response(200, account_json(**account)));
    });
  };
}

std::shared_ptr<tree_cache> make_tree_cache(const std::shared_ptr<api_context>& context) {
  tree_cache::sources from;
  from.walk_tree = [context](std::function<void(result<msg::tree_snapshot>)> done) {
    context->actors.tree(std::move(done));
  };
  from.after = [context](std::chrono::milliseconds delay, std::function<void()> action) {
    context->actors.after(delay, std::move(action));
  };
  from.refresh_every = [context] {
    return std::chrono::milliseconds(context->reloader.current()->http.tree_refresh_ms);
  };
  // The environment's TROUPE_TREE_REFRESH_MS wins over http.treeRefreshMs.
  const auto forced =
      tree_cache::refresh_from_environment(context->environment("TROUPE_TREE_REFRESH_MS"));
  if (!forced) spdlog::warn("{}; using http.treeRefreshMs", forced.failure().message);
  if (forced && *forced) from.refresh_every = [every = **forced] { return every; };
  return std::make_shared<tree_cache>(std::move(from));
}

}  // namespace

void add_actor_routes(router& routes, const std::shared_ptr<api_context>& context) {
  const auto cache = make_tree_cache(context);
  routes.add("GET", "/api/actors", from_view(cache, page_of(&tree_view::actors)));
  routes.add("GET", "/api/actors/{id}", from_view(cache, one_actor));
  routes.add("GET", "/api/pods", from_view(cache, pods));
  routes.add("GET", "/api/accounts", from_view(cache, page_of(&tree_view::accounts)));
  routes.add("GET", "/api/accounts/{id}", one_account(context));
}

}  // namespace troupe::http
