#include "runtime/http/router.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <stdexcept>

using namespace troupe::http;

namespace {

// A handler that answers with its own name, to tell routes apart.
handler named(std::string name) {
  return [name](const request&, responder reply) { reply(text_response(200, name)); };
}

// Dispatches a request and returns what was answered synchronously.
std::optional<response> dispatch(const router& routes, std::string method, std::string target,
                                 request* seen = nullptr) {
  std::optional<response> answered;
  request incoming;
  incoming.method = std::move(method);
  incoming.target = target;
  incoming.path = target.substr(0, target.find('?'));
  routes.dispatch(incoming, responder([&](response r) { answered = std::move(r); }));
  if (seen != nullptr) *seen = incoming;
  return answered;
}

router api_routes() {
  router routes;
  routes.add("GET", "/", named("console"));
  routes.add("GET", "/api/accounts", named("accounts"));
  routes.add("GET", "/api/accounts/{id}", named("account"));
  routes.add("GET", "/api/sessions/{id}/log", named("session log"));
  routes.add("POST", "/admin/accounts/{id}/clear-recovery", named("clear recovery"));
  routes.add("GET", "/api/actions/{id}", named("action"));
  routes.add("GET", "/api/actions/pending", named("pending actions"));
  routes.add("PATCH", "/api/actions/{id}", named("decide action"));
  routes.add("GET", "/console/{file...}", named("asset"));
  return routes;
}

}  // namespace

TEST_CASE("exact paths and {name} segments select the route and fill path_params") {
  const router routes = api_routes();
  request seen;
  CHECK(dispatch(routes, "GET", "/api/accounts")->body == "accounts");
  CHECK(dispatch(routes, "GET", "/api/accounts/profile-a1", &seen)->body == "account");
  CHECK(seen.path_params == std::map<std::string, std::string>{{"id", "profile-a1"}});
  CHECK(dispatch(routes, "GET", "/api/sessions/s-42/log", &seen)->body == "session log");
  CHECK(seen.path_params.at("id") == "s-42");
  CHECK(dispatch(routes, "POST", "/admin/accounts/a%201/clear-recovery", &seen)->body ==
        "clear recovery");
  CHECK(seen.path_params.at("id") == "a 1");  // decoded
  CHECK(dispatch(routes, "GET", "/api/accounts/x?verbose=1")->body == "account");
}

TEST_CASE("the root and a rest-of-path route serve the console and its assets") {
  const router routes = api_routes();
  request seen;
  CHECK(dispatch(routes, "GET", "/")->body == "console");
  CHECK(dispatch(routes, "GET", "/console/app.js", &seen)->body == "asset");
  CHECK(seen.path_params.at("file") == "app.js");
  CHECK(dispatch(routes, "GET", "/console/css/main%20page.css", &seen)->body == "asset");
  CHECK(seen.path_params.at("file") == "css/main page.css");
  CHECK(dispatch(routes, "GET", "/console")->status == 404);
  CHECK(dispatch(routes, "GET", "/console/")->status == 404);
}

TEST_CASE("a literal segment wins over a parameter, whatever the order of adding") {
  const router routes = api_routes();
  CHECK(dispatch(routes, "GET", "/api/actions/pending")->body == "pending actions");
  CHECK(dispatch(routes, "GET", "/api/actions/17")->body == "action");
  CHECK(dispatch(routes, "PATCH", "/api/actions/pending")->body == "decide action");
}

TEST_CASE("an unknown path is a 404 JSON error") {
  const router routes = api_routes();
  for (const char* target :
       {"/nope", "/api", "/api/accounts/", "/api/accounts/a/b", "/api/sessions/s1", "//"}) {
    INFO(target);
    auto answer = dispatch(routes, "GET", target);
    REQUIRE(answer);
    CHECK(answer->status == 404);
    CHECK(answer->content_type == "application/json");
    CHECK(answer->body.find("\"status\":404") != std::string::npos);
  }
}

TEST_CASE("a known path with another method is a 405 with an Allow header") {
  const router routes = api_routes();
  auto answer = dispatch(routes, "DELETE", "/api/actions/17");
  REQUIRE(answer);
  CHECK(answer->status == 405);
  REQUIRE(answer->headers.size() == 1);
  CHECK(answer->headers[0] == std::pair<std::string, std::string>{"Allow", "GET, PATCH"});

  auto post_on_get = routes.match("POST", "/api/accounts");
  CHECK(post_on_get.kind == route_match::outcome::method_not_allowed);
  CHECK(post_on_get.allowed_methods == std::vector<std::string>{"GET"});
  CHECK(routes.match("GET", "/admin/accounts/a/clear-recovery").kind ==
        route_match::outcome::method_not_allowed);
}

TEST_CASE("malformed or duplicate patterns are refused when added") {
  router routes;
  routes.add("GET", "/api/accounts/{id}", named("a"));
  CHECK_THROWS_AS(routes.add("GET", "/api/accounts/{id}", named("b")), std::invalid_argument);
  CHECK_NOTHROW(routes.add("PUT", "/api/accounts/{id}", named("c")));
  for (const char* bad :
       {"", "api", "/api//x", "/api/", "/a/{}", "/a/x{id}", "/a/{file...}/b", "/a/{bad name}"}) {
    INFO(bad);
    CHECK_THROWS_AS(routes.add("GET", bad, named("bad")), std::invalid_argument);
  }
}
