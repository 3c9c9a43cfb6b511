#include "runtime/http/server.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/http/http_test_client.hpp"

using namespace troupe::http;
using troupe::testing::fetch;
using troupe::testing::http_reply;
using troupe::testing::http_test_connection;
using troupe::testing::request_text;
using namespace std::chrono_literals;

namespace {

server started(troupe::result<server> attempt) {
  if (!attempt) throw std::runtime_error(attempt.failure().message);
  return std::move(attempt).value();
}

boost::json::object query_json(const request& incoming) {
  boost::json::object query;
  for (const auto& [key, value] : incoming.query) query[key] = value;
  return query;
}

// A server on 127.0.0.1:<free port> with routes that exercise each way a
// handler can answer (or fail to).
class test_server {
 public:
  explicit test_server(server_limits limits = {}, int io_threads = 1)
      : http(started(server::start({"127.0.0.1", 0, io_threads, limits}, routes()))) {}

  ~test_server() {
    for (auto& worker : workers_) worker.join();
  }

  std::uint16_t port() const { return http.port(); }

  // The responder of the first request to GET /park, once it arrived.
  std::optional<responder> parked(std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mutex_);
        if (!parked_.empty()) return parked_.front();
      }
      std::this_thread::sleep_for(5ms);
    }
    return std::nullopt;
  }

 private:
  router routes() {
    router routes;
    routes.add("GET", "/", [](const request&, responder reply) {
      reply(text_response(200, "<!doctype html><title>console</title>", "text/html"));
    });
    routes.add("GET", "/api/accounts/{id}", [](const request& incoming, responder reply) {
      reply(json_response(200, {{"id", incoming.path_params.at("id")}}));
    });
    routes.add("GET", "/api/sessions/{id}/log", [](const request& incoming, responder reply) {
      reply(text_response(200, "log of " + incoming.path_params.at("id") + "\n"));
    });
    routes.add("POST", "/admin/accounts/{id}/clear-recovery",
               [](const request& incoming, responder reply) {
                 reply(json_response(
                     200, {{"account", incoming.path_params.at("id")}, {"needs_recovery", false}}));
               });
    auto echo = [](const request& incoming, responder reply) {
      reply(json_response(200, {{"method", incoming.method},
                                {"path", incoming.path},
                                {"query", query_json(incoming)},
                                {"body_size", incoming.body.size()},
                                {"x_test", incoming.header("x-test").value_or("")}}));
    };
    routes.add("GET", "/echo/{rest...}", echo);
    routes.add("POST", "/echo/{rest...}", echo);
    routes.add("GET", "/park", [this](const request&, responder reply) {
      std::lock_guard lock(mutex_);
      parked_.push_back(std::move(reply));
    });
    routes.add("GET", "/dropped", [](const request&, responder) {});
    routes.add("GET", "/dropped-later", [this](const request&, responder reply) {
      std::lock_guard lock(mutex_);
      workers_.emplace_back([kept = std::move(reply)] { std::this_thread::sleep_for(20ms); });
    });
    routes.add("GET", "/throws", [](const request&, responder) -> void {
      throw std::runtime_error("the store is on fire");
    });
    return routes;
  }

  std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::vector<responder> parked_;

 public:
  server http;  // declared last: stopped first, before the workers are joined
};

int error_status_of(const http_reply& reply) {
  return static_cast<int>(reply.json().at("error").at("status").as_int64());
}

}  // namespace

TEST_CASE("routes reach their handlers with decoded path parameters") {
  test_server running;
  auto account = fetch(running.port(), "GET", "/api/accounts/profile%2Da1");
  REQUIRE(account);
  CHECK(account->status == 200);
  CHECK(account->header("Content-Type") == "application/json");
  CHECK(account->json() == boost::json::parse(R"({"id":"profile-a1"})"));

  auto log = fetch(running.port(), "GET", "/api/sessions/s-9/log");
  REQUIRE(log);
  CHECK(log->header("Content-Type") == "text/plain; charset=utf-8");
  CHECK(log->body == "log of s-9\n");

  auto cleared = fetch(running.port(), "POST", "/admin/accounts/a1/clear-recovery");
  REQUIRE(cleared);
  CHECK(cleared->json() == boost::json::parse(R"({"account":"a1","needs_recovery":false})"));

  auto console = fetch(running.port(), "GET", "/");
  REQUIRE(console);
  CHECK(console->status == 200);
  CHECK(console->header("Content-Type") == "text/html");
}

TEST_CASE("an unknown path is a 404 and a wrong method a 405 with Allow, both JSON errors") {
  test_server running;
  auto missing = fetch(running.port(), "GET", "/api/nope");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(error_status_of(*missing) == 404);
  CHECK(missing->json().at("error").at("message") == "no such endpoint: /api/nope");

  auto wrong_method = fetch(running.port(), "DELETE", "/api/accounts/a1");
  REQUIRE(wrong_method);
  CHECK(wrong_method->status == 405);
  CHECK(wrong_method->header("Allow") == "GET");
  CHECK(error_status_of(*wrong_method) == 405);
}

TEST_CASE("the path and the query arrive decoded, the headers by any case") {
  test_server running;
  auto echoed =
      fetch(running.port(), "GET", "/echo/a%20b?since=2026-11-27T10%3A00%3A00Z&who=x+y&flag", "",
            "X-TEST: yes\r\n");
  REQUIRE(echoed);
  CHECK(echoed->json() == boost::json::parse(R"({"method":"GET","path":"/echo/a b",
      "query":{"since":"2026-11-27T10:00:00Z","who":"x y","flag":""},"body_size":0,"x_test":"yes"})"));

  auto badly_encoded = fetch(running.port(), "GET", "/echo/x?since=%ZZ");
  REQUIRE(badly_encoded);
  CHECK(badly_encoded->status == 400);
  CHECK(error_status_of(*badly_encoded) == 400);
}

TEST_CASE("a handler may answer later from another thread while others are served") {
  test_server running;
  http_test_connection waiting(running.port());
  REQUIRE(waiting.send(request_text("GET", "/park")));
  auto reply = running.parked();
  REQUIRE(reply);

  auto meanwhile = fetch(running.port(), "GET", "/api/accounts/b");
  REQUIRE(meanwhile);
  CHECK(meanwhile->status == 200);

  std::thread actor([reply] { (*reply)(json_response(202, {{"answered", "later"}})); });
  actor.join();
  auto answer = waiting.read_response();
  REQUIRE(answer);
  CHECK(answer->status == 202);
  CHECK(answer->json() == boost::json::parse(R"({"answered":"later"})"));
}

TEST_CASE(
    "a request whose responder is dropped unanswered gets a 500, and the connection lives on") {
  test_server running;
  http_test_connection client(running.port());
  for (const char* target : {"/dropped", "/dropped-later"}) {
    INFO(target);
    REQUIRE(client.send(request_text("GET", target)));
    auto answer = client.read_response();
    REQUIRE(answer);
    CHECK(answer->status == 500);
    CHECK(error_status_of(*answer) == 500);
  }
  REQUIRE(client.send(request_text("GET", "/api/accounts/a")));
  auto after = client.read_response();
  REQUIRE(after);
  CHECK(after->status == 200);
}

TEST_CASE("a handler that throws gets a 500 and the server keeps serving") {
  test_server running;
  http_test_connection client(running.port());
  REQUIRE(client.send(request_text("GET", "/throws")));
  auto failed = client.read_response();
  REQUIRE(failed);
  CHECK(failed->status == 500);
  CHECK(failed->json().at("error").at("message") == "internal error while handling GET /throws");

  REQUIRE(client.send(request_text("GET", "/api/accounts/a")));
  auto same_connection = client.read_response();
  REQUIRE(same_connection);
  CHECK(same_connection->status == 200);
  auto other_connection = fetch(running.port(), "GET", "/api/accounts/b");
  REQUIRE(other_connection);
  CHECK(other_connection->status == 200);
}

TEST_CASE("keep-alive serves several requests on one connection, in order") {
  test_server running;
  http_test_connection client(running.port());
  REQUIRE(client.send(request_text("GET", "/api/accounts/one")));
  auto first = client.read_response();
  REQUIRE(first);
  CHECK(first->json().at("id") == "one");

  // Pipelined: both sent before either answer is read.
  REQUIRE(client.send(request_text("GET", "/api/accounts/two") +
                      request_text("GET", "/api/accounts/three")));
  auto second = client.read_response();
  auto third = client.read_response();
  REQUIRE(second);
  REQUIRE(third);
  CHECK(second->json().at("id") == "two");
  CHECK(third->json().at("id") == "three");

  REQUIRE(client.send(request_text("GET", "/api/accounts/last", "", "Connection: close\r\n")));
  auto last = client.read_response();
  REQUIRE(last);
  CHECK(last->header("Connection") == "close");
  CHECK(client.wait_until_closed(5s));
}

TEST_CASE("request headers over 8 KiB get a 431 and the connection closes") {
  test_server running;
  auto near_limit = fetch(running.port(), "GET", "/api/accounts/a", "",
                          "X-Filler: " + std::string(7000, 'a') + "\r\n");
  REQUIRE(near_limit);
  CHECK(near_limit->status == 200);

  http_test_connection client(running.port());
  REQUIRE(client.send(
      request_text("GET", "/api/accounts/a", "", "X-Filler: " + std::string(9000, 'a') + "\r\n")));
  auto refused = client.read_response();
  REQUIRE(refused);
  CHECK(refused->status == 431);
  CHECK(error_status_of(*refused) == 431);
  CHECK(client.wait_until_closed(5s));
}

TEST_CASE("a body over the 1 MiB limit gets a 413 while one at the limit is served") {
  test_server running;
  const std::size_t limit = server_limits{}.body_limit;
  auto at_limit = fetch(running.port(), "POST", "/echo/body", std::string(limit, 'b'));
  REQUIRE(at_limit);
  CHECK(at_limit->status == 200);
  CHECK(at_limit->json().at("body_size") == limit);

  http_test_connection client(running.port());
  client.send(request_text("POST", "/echo/body", std::string(limit + 1, 'b')));
  auto refused = client.read_response();
  REQUIRE(refused);
  CHECK(refused->status == 413);
  CHECK(error_status_of(*refused) == 413);
  CHECK(client.wait_until_closed(5s));
}

TEST_CASE("garbage gets a 400 and a close, and other clients are still served") {
  test_server running;
  http_test_connection garbage(running.port());
  REQUIRE(garbage.send("\x16\x03\x01\x02\x00 definitely not http\r\n\r\n"));
  auto refused = garbage.read_response();
  REQUIRE(refused);
  CHECK(refused->status == 400);
  CHECK(error_status_of(*refused) == 400);
  CHECK(garbage.wait_until_closed(5s));

  http_test_connection bad_version(running.port());
  REQUIRE(bad_version.send("GET / HTTP/9.9\r\n\r\n"));
  auto refused_version = bad_version.read_response();
  REQUIRE(refused_version);
  CHECK(refused_version->status == 400);

  auto served = fetch(running.port(), "GET", "/api/accounts/a");
  REQUIRE(served);
  CHECK(served->status == 200);
}

TEST_CASE(
    "a client that sends half a request blocks nobody and is cut off after the read timeout") {
  server_limits limits;
  limits.read_timeout = 300ms;
  test_server running(limits);
  const auto started_at = std::chrono::steady_clock::now();
  http_test_connection slow(running.port());
  REQUIRE(slow.send("GET /api/accounts/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n"));

  auto served = fetch(running.port(), "GET", "/api/accounts/quick");
  REQUIRE(served);
  CHECK(served->status == 200);
  CHECK(std::chrono::steady_clock::now() - started_at < 250ms);

  REQUIRE(slow.wait_until_closed(5s));
  const auto closed_after = std::chrono::steady_clock::now() - started_at;
  CHECK(closed_after >= 250ms);
  CHECK(closed_after < 3s);
}

TEST_CASE("connections beyond the limit get a 503 and a close, and a freed slot is reused") {
  server_limits limits;
  limits.max_connections = 2;
  test_server running(limits);
  std::optional<http_test_connection> first(std::in_place, running.port());
  http_test_connection second(running.port());
  for (auto* open : {&*first, &second}) {
    REQUIRE(open->send(request_text("GET", "/api/accounts/a")));
    REQUIRE(open->read_response());
  }

  http_test_connection third(running.port());
  auto refused = third.read_response();
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(error_status_of(*refused) == 503);
  CHECK(third.wait_until_closed(5s));

  first.reset();  // the server notices the close and frees the slot
  std::optional<http_reply> admitted;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    admitted = fetch(running.port(), "GET", "/api/accounts/b");
    if (admitted && admitted->status == 200) break;
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(admitted);
  CHECK(admitted->status == 200);
}

TEST_CASE("the server counts responses by status code") {
  test_server running;
  REQUIRE(fetch(running.port(), "GET", "/api/accounts/a"));
  REQUIRE(fetch(running.port(), "GET", "/api/accounts/b"));
  REQUIRE(fetch(running.port(), "GET", "/nope"));
  REQUIRE(fetch(running.port(), "GET", "/throws"));
  CHECK(running.http.request_counts() ==
        std::map<int, std::uint64_t>{{200, 2}, {404, 1}, {500, 1}});
}

TEST_CASE("several I/O threads serve concurrent clients") {
  test_server running({}, 4);
  constexpr int client_count = 16;
  std::atomic<int> served{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < client_count; ++i) {
    clients.emplace_back([&, i] {
      http_test_connection client(running.port());
      for (int round = 0; round < 5; ++round) {
        const std::string id = std::to_string(i) + "-" + std::to_string(round);
        if (!client.send(request_text("GET", "/api/accounts/" + id))) return;
        auto answer = client.read_response();
        if (answer && answer->json().at("id") == id.c_str()) ++served;
      }
    });
  }
  for (auto& client : clients) client.join();
  CHECK(served == client_count * 5);
}

TEST_CASE("stopping closes open connections and a responder called afterwards is harmless") {
  test_server running;
  http_test_connection waiting(running.port());
  REQUIRE(waiting.send(request_text("GET", "/park")));
  auto reply = running.parked();
  REQUIRE(reply);
  running.http.stop();
  CHECK(waiting.wait_until_closed(5s));
  (*reply)(text_response(200, "too late"));
  running.http.stop();  // idempotent
}

TEST_CASE("starting fails as a value on a taken port or a bad address") {
  test_server running;
  auto taken = server::start({"127.0.0.1", running.port(), 1, {}}, router());
  REQUIRE_FALSE(taken.ok());
  CHECK_THAT(taken.failure().message, Catch::StartsWith("cannot listen on 127.0.0.1:"));

  auto nonsense = server::start({"not-an-address", 0, 1, {}}, router());
  REQUIRE_FALSE(nonsense.ok());
  CHECK_THAT(nonsense.failure().message,
             Catch::StartsWith("invalid HTTP address 'not-an-address'"));
}
