// GET /api/actors, /api/actors/{id}, /api/pods, /api/accounts and
// /api/accounts/{id}: views of the live actor tree.
#include <map>
#include <vector>

#include "runtime/http/api_context.hpp"
#include "runtime/http/json_views.hpp"

namespace troupe::http {
namespace {

using tree_view = std::function<response(const msg::tree_snapshot&, const request&)>;

// Answers with `view` of the tree, or 503 when the tree does not answer.
handler with_tree(const std::shared_ptr<api_context>& context, tree_view view) {
  return [context, view](const request& incoming, responder reply) {
    context->actors.tree([incoming, reply, view](result<msg::tree_snapshot> tree) {
      if (!tree) return (void)reply(error_response(503, tree.failure().message));
      reply(view(*tree, incoming));
    });
  };
}

response all_actors(const msg::tree_snapshot& tree, const request&) {
  boost::json::array actors;
  for (const auto& actor : tree.actors) actors.push_back(actor_json(actor));
  return json_response(200, boost::json::object{{"count", actors.size()}, {"actors", std::move(actors)}});
}

response one_actor(const msg::tree_snapshot& tree, const request& incoming) {
  const auto& id = incoming.path_params.at("id");
  for (const auto& actor : tree.actors) {
    if (actor.id == id) return json_response(200, actor_json(actor));
  }
  return error_response(404, "no actor " + id);
}

response pods(const msg::tree_snapshot& tree, const request&) {
  // One pass over the tree: each account goes to its parent pod.
  std::map<std::string, std::vector<const msg::actor_snapshot*>> accounts_of;
  for (const auto& actor : tree.actors) {
    if (actor.kind == "account") accounts_of[actor.parent].push_back(&actor);
  }
  boost::json::array pods;
  for (const auto& actor : tree.actors) {
    if (actor.kind != "pod") continue;
    boost::json::array accounts;
    std::string mood;
    for (const auto* account : accounts_of[actor.id]) {
      accounts.push_back(boost::json::value(account->id.substr(account->id.find(':') + 1)));
      if (mood.empty() && account->state.count("mood")) mood = account->state.at("mood");
    }
    pods.push_back(boost::json::object{{"name", actor.id.substr(actor.id.find(':') + 1)},
                                       {"timezone", actor.state.count("timezone") ? actor.state.at("timezone") : ""},
                                       {"mood", mood},
                                       {"accounts", std::move(accounts)},
                                       {"actor", actor_json(actor)}});
  }
  return json_response(200, boost::json::object{{"pods", std::move(pods)}});
}

response accounts(const msg::tree_snapshot& tree, const request&) {
  boost::json::array accounts;
  for (const auto& actor : tree.actors) {
    if (actor.kind == "account") accounts.push_back(account_json(actor));
  }
  return json_response(200, boost::json::object{{"accounts", std::move(accounts)}});
}

response one_account(const msg::tree_snapshot& tree, const request& incoming) {
  const auto id = "account:" + incoming.path_params.at("id");
  for (const auto& actor : tree.actors) {
    if (actor.id == id) return json_response(200, account_json(actor));
  }
  return error_response(404, "no account " + incoming.path_params.at("id"));
}

}  // namespace

void add_actor_routes(router& routes, const std::shared_ptr<api_context>& context) {
  routes.add("GET", "/api/actors", with_tree(context, all_actors));
  routes.add("GET", "/api/actors/{id}", with_tree(context, one_actor));
  routes.add("GET", "/api/pods", with_tree(context, pods));
  routes.add("GET", "/api/accounts", with_tree(context, accounts));
  routes.add("GET", "/api/accounts/{id}", with_tree(context, one_account));
}

}  // namespace troupe::http
