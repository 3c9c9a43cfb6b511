#include "runtime/http/message.hpp"

#include <atomic>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "runtime/http/responder.hpp"

using namespace troupe::http;

TEST_CASE("every error body has the contract's shape") {
  const response refusal = error_response(404, "no such account: \"a1\"");
  CHECK(refusal.status == 404);
  CHECK(refusal.content_type == "application/json");
  CHECK(boost::json::parse(refusal.body) ==
        boost::json::parse(R"({"error":{"status":404,"message":"no such account: \"a1\""}})"));
}

TEST_CASE("json and text responses carry their content type") {
  CHECK(json_response(200, {{"status", "ok"}}).body == R"({"status":"ok"})");
  const response log = text_response(200, "line\n");
  CHECK(log.content_type == "text/plain; charset=utf-8");
  CHECK(text_response(200, "<p>", "text/html").content_type == "text/html");
}

TEST_CASE("header lookup ignores the case of the name") {
  request incoming;
  incoming.headers.emplace("Content-Type", "application/json");
  CHECK(incoming.header("content-type") == "application/json");
  CHECK(incoming.header("CONTENT-TYPE") == "application/json");
  CHECK_FALSE(incoming.header("Authorization"));
}

TEST_CASE("a responder sends once, whichever copy is called first") {
  std::vector<int> delivered;
  responder reply([&](response r) { delivered.push_back(r.status); });
  const responder copy = reply;
  CHECK(copy(text_response(201, "first")));
  CHECK_FALSE(reply(text_response(202, "second")));
  CHECK(reply.answered());
  CHECK(delivered == std::vector<int>{201});
}

TEST_CASE("a responder dropped unanswered sends a 500, even on another thread") {
  std::vector<response> delivered;
  {
    responder reply([&](response r) { delivered.push_back(std::move(r)); });
    std::thread holder([kept = reply] { (void)kept; });
    holder.join();
    CHECK(delivered.empty());  // a copy is still alive here
  }
  REQUIRE(delivered.size() == 1);
  CHECK(delivered[0].status == 500);
  CHECK(boost::json::parse(delivered[0].body).at("error").at("status") == 500);
}

TEST_CASE("concurrent calls on copies of a responder deliver exactly one response") {
  std::atomic<int> deliveries{0};
  std::atomic<int> winners{0};
  {
    responder reply([&](response) { ++deliveries; });
    std::vector<std::thread> racers;
    for (int i = 0; i < 8; ++i) {
      racers.emplace_back([reply, &winners] {
        if (reply(text_response(200, "x"))) ++winners;
      });
    }
    for (auto& racer : racers) racer.join();
  }
  CHECK(deliveries == 1);
  CHECK(winners == 1);
}
