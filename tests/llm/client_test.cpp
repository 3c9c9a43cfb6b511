// The LLM client against the fake OpenAI-compatible server on 127.0.0.1:
// retries, Retry-After, the quota, the breaker, the budget and circuit
// gates (counted at the server), costs, malformed answers and the key's
// secrecy. Time is virtual: the injected clock moves only when the client
// sleeps or a test says so.
#include "runtime/llm/client.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>

#include "fake_server.hpp"

using namespace troupe;
using namespace troupe::llm;
using namespace troupe::llm::testing;
using namespace std::chrono_literals;

namespace {

const std::string secret_key = "sk-test-SECRET-4242-do-not-leak";

// A fake server and a client wired to it with virtual time and counters.
struct harness {
  fake_llm_server server;
  config::flags_config flags;
  double spent_today = 0.0;
  clock_time now{};
  std::vector<std::chrono::milliseconds> sleeps;
  std::vector<call_record> records;

  client_settings settings() const {
    client_settings s;
    s.base_url = server.base_url();
    s.api_key = secret_key;
    s.chat_model = "gpt-4o-mini";
    s.embed_model = "text-embedding-3-small";
    s.connect_timeout = 1000ms;
    s.request_timeout = 2000ms;
    s.breaker = {3, 60'000ms};
    s.prices = config::llm_config{}.prices;
    return s;
  }

  client make(client_settings s) {
    client_hooks hooks;
    hooks.flags = [this] { return flags; };
    hooks.spent_today_usd = [this] { return spent_today; };
    hooks.sink = [this](const call_record& record) { records.push_back(record); };
    hooks.now = [this] { return now; };
    hooks.sleep = [this](std::chrono::milliseconds delay) {
      sleeps.push_back(delay);
      now += delay;
    };
    hooks.random = [] { return 0.0; };
    auto made = client::create(std::move(s), std::move(hooks));
    REQUIRE(made.ok());
    return std::move(*made);
  }
  client make() { return make(settings()); }
};

chat_request ask(const std::string& prompt) {
  chat_request request;
  request.messages = {{"system", "You write short posts."}, {"user", prompt}};
  return request;
}

}  // namespace

TEST_CASE("a chat call returns the fake's completion with its usage, cost and one ok record") {
  harness h;
  auto llm = h.make();
  const auto reply = llm.chat(ask("a post about coffee"));
  REQUIRE(reply.ok());
  CHECK_FALSE(reply->content.empty());
  CHECK(reply->usage.prompt_tokens > 0);
  CHECK(reply->usage.completion_tokens > 0);
  CHECK(reply->usage.total_tokens == reply->usage.prompt_tokens + reply->usage.completion_tokens);
  CHECK(reply->server_id == "chatcmpl-fake-1");
  CHECK(reply->attempts == 1);
  REQUIRE(h.records.size() == 1);
  const auto& record = h.records.front();
  CHECK(record.status == call_status::ok);
  CHECK(record.kind == call_kind::chat);
  CHECK(record.model == "gpt-4o-mini");
  CHECK(record.request_id.rfind("llm-", 0) == 0);
  CHECK(record.request_id == reply->request_id);
  CHECK(record.server_id == "chatcmpl-fake-1");
  CHECK(record.failure_reason.empty());
  CHECK(record.cost_usd ==
        Approx((record.usage.prompt_tokens * 0.15 + record.usage.completion_tokens * 0.60) / 1e6));
  const auto received = h.server.requests();
  REQUIRE(received.size() == 1);
  CHECK(received[0].at("path").as_string() == "/v1/chat/completions");
  CHECK(received[0].at("auth").as_bool());
  CHECK(received[0].at("model").as_string() == "gpt-4o-mini");
}

TEST_CASE("the same prompt gives the same text, another prompt another text") {
  harness h;
  auto llm = h.make();
  const auto first = llm.chat(ask("a post about coffee"));
  const auto again = llm.chat(ask("a post about coffee"));
  const auto other = llm.chat(ask("a post about mountains"));
  REQUIRE((first.ok() && again.ok() && other.ok()));
  CHECK(first->content == again->content);
  CHECK(first->content != other->content);
}

TEST_CASE("embeddings: one unit vector per input, deterministic per text") {
  harness h;
  auto llm = h.make();
  const auto reply = llm.embed({"coffee at dawn", "a river walk", "coffee at dawn"});
  REQUIRE(reply.ok());
  REQUIRE(reply->vectors.size() == 3);
  for (const auto& vector : reply->vectors) {
    CHECK(vector.size() == 64);
    const double norm =
        std::sqrt(std::inner_product(vector.begin(), vector.end(), vector.begin(), 0.0));
    CHECK(norm == Approx(1.0).epsilon(1e-4));
  }
  CHECK(reply->vectors[0] == reply->vectors[2]);
  CHECK(reply->vectors[0] != reply->vectors[1]);
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].kind == call_kind::embedding);
  CHECK(h.records[0].model == "text-embedding-3-small");
  CHECK(h.records[0].usage.completion_tokens == 0);
  CHECK(h.records[0].cost_usd == Approx(h.records[0].usage.prompt_tokens * 0.02 / 1e6));
}

TEST_CASE("each retryable status is retried, and the call succeeds on the next attempt") {
  for (const char* status : {"408", "409", "429", "500", "503"}) {
    INFO(status);
    harness h;
    auto llm = h.make();
    h.server.script(std::string("[\"") + status + "\", \"ok\"]");
    const auto reply = llm.chat(ask("hello"));
    REQUIRE(reply.ok());
    CHECK(reply->attempts == 2);
    CHECK(h.server.count() == 2);
    REQUIRE(h.records.size() == 1);
    CHECK(h.records[0].attempts == 2);
    CHECK(h.records[0].status == call_status::ok);
    CHECK(h.sleeps == std::vector<std::chrono::milliseconds>{500ms});
  }
}

TEST_CASE("a reset connection is retried") {
  harness h;
  auto llm = h.make();
  h.server.script(R"(["reset", "ok"])");
  const auto reply = llm.chat(ask("hello"));
  REQUIRE(reply.ok());
  CHECK(reply->attempts == 2);
  CHECK(h.server.count() == 2);
}

TEST_CASE("a stalled response times out and is retried") {
  harness h;
  auto settings = h.settings();
  settings.request_timeout = 300ms;
  auto llm = h.make(settings);
  h.server.script(R"(["stall:1500", "ok"])");
  const auto started = std::chrono::steady_clock::now();
  const auto reply = llm.chat(ask("hello"));
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE(reply.ok());
  CHECK(reply->attempts == 2);
  CHECK(took < 1500ms);
}

TEST_CASE("a stall on every attempt fails with reason timeout after maxRetries") {
  harness h;
  auto settings = h.settings();
  settings.request_timeout = 200ms;
  settings.retry.max_retries = 1;
  auto llm = h.make(settings);
  h.server.script(R"(["stall:1000", "stall:1000"])");
  const auto reply = llm.chat(ask("hello"));
  REQUIRE_FALSE(reply.ok());
  CHECK(failure_reason(reply.failure()) == "timeout");
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].failure_reason == "timeout");
  CHECK(h.records[0].attempts == 2);
}

TEST_CASE("Retry-After of 0..60 s is the delay, a longer one gives way to the backoff") {
  harness h;
  auto llm = h.make();
  h.server.script(R"(["429:retry-after=1", "503:retry-after=0", "ok"])");
  REQUIRE(llm.chat(ask("hello")).ok());
  CHECK(h.sleeps == std::vector<std::chrono::milliseconds>{1000ms, 0ms});

  h.sleeps.clear();
  h.server.script(R"(["500:retry-after=120", "ok"])");
  REQUIRE(llm.chat(ask("hello")).ok());
  CHECK(h.sleeps == std::vector<std::chrono::milliseconds>{500ms});
}

TEST_CASE("retries stop after maxRetries and the call fails with the last status") {
  harness h;
  auto llm = h.make();
  h.server.script(R"(["500", "502", "503", "ok"])");
  const auto reply = llm.chat(ask("hello"));
  REQUIRE_FALSE(reply.ok());
  CHECK(failure_reason(reply.failure()) == "http_503");
  CHECK(h.server.count() == 3);
  CHECK(h.sleeps == std::vector<std::chrono::milliseconds>{500ms, 1000ms});
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].status == call_status::failed);
  CHECK(h.records[0].attempts == 3);
  CHECK(h.records[0].cost_usd == 0.0);
}

TEST_CASE("a 4xx other than 408, 409 and 429 is not retried") {
  harness h;
  auto llm = h.make();
  h.server.script(R"(["401", "ok"])");
  const auto reply = llm.chat(ask("hello"));
  REQUIRE_FALSE(reply.ok());
  CHECK(failure_reason(reply.failure()) == "http_401");
  CHECK(h.server.count() == 1);
}

TEST_CASE("an exhausted quota is not retried and opens the circuit: no further request leaves") {
  harness h;
  auto llm = h.make();
  h.server.script(R"(["quota", "ok"])");
  const auto reply = llm.chat(ask("hello"));
  REQUIRE_FALSE(reply.ok());
  CHECK(failure_reason(reply.failure()) == "quota_exhausted");
  CHECK(h.server.count() == 1);
  CHECK(llm.status().breaker.phase == breaker_phase::open);

  const auto refused = llm.chat(ask("hello again"));
  REQUIRE_FALSE(refused.ok());
  CHECK(failure_reason(refused.failure()) == "ai_quota_circuit_open");
  CHECK(h.server.count() == 1);
  REQUIRE(h.records.size() == 2);
  CHECK(h.records[0].failure_reason == "quota_exhausted");
  CHECK(h.records[1].status == call_status::refused);
  CHECK(h.records[1].attempts == 0);
}

TEST_CASE("the breaker opens after N failed calls and lets one probe through after the cool-down") {
  harness h;
  auto settings = h.settings();
  settings.retry.max_retries = 0;
  auto llm = h.make(settings);
  h.server.script(R"(["500", "500", "500"])");
  for (int i = 0; i < 3; ++i) CHECK_FALSE(llm.chat(ask("hello")).ok());
  CHECK(h.server.count() == 3);
  CHECK(llm.status().breaker.phase == breaker_phase::open);
  CHECK(failure_reason(llm.chat(ask("hello")).failure()) == "ai_quota_circuit_open");
  CHECK(h.server.count() == 3);

  h.now += 60s;  // the cool-down: one probe, which fails and re-opens
  h.server.script(R"(["500"])");
  CHECK(failure_reason(llm.chat(ask("hello")).failure()) == "http_500");
  CHECK(h.server.count() == 4);
  CHECK(llm.status().breaker.phase == breaker_phase::open);
  CHECK(failure_reason(llm.chat(ask("hello")).failure()) == "ai_quota_circuit_open");
  CHECK(h.server.count() == 4);

  h.now += 60s;  // another cool-down: the probe succeeds and closes it
  CHECK(llm.chat(ask("hello")).ok());
  CHECK(llm.status().breaker.phase == breaker_phase::closed);
  CHECK(llm.chat(ask("hello")).ok());
  CHECK(h.server.count() == 6);
  const auto counts = llm.status().calls;
  CHECK(counts.calls_total == 8);
  CHECK(counts.ok == 2);
  CHECK(counts.failed == 4);
  CHECK(counts.refused == 2);
  CHECK(counts.failures_by_reason.at("http_500") == 4);
  CHECK(counts.failures_by_reason.at("ai_quota_circuit_open") == 2);
}

TEST_CASE("a spent budget stops calls before any request leaves, unless the flag lets it") {
  harness h;
  auto llm = h.make();
  h.flags.daily_openai_limit_usd = 1.0;
  h.spent_today = 1.0;
  const auto refused = llm.chat(ask("hello"));
  REQUIRE_FALSE(refused.ok());
  CHECK(failure_reason(refused.failure()) == "budget_spent");
  CHECK_FALSE(llm.embed({"x"}).ok());
  CHECK(h.server.count() == 0);
  REQUIRE(h.records.size() == 2);
  CHECK(h.records[0].status == call_status::refused);
  CHECK(h.records[0].failure_reason == "budget_spent");

  h.flags.disable_llm_when_budget_hit = false;
  CHECK(llm.chat(ask("hello")).ok());
  CHECK(h.server.count() == 1);
}

TEST_CASE("AI_QUOTA_CIRCUIT_OPEN stops every call before any request leaves") {
  harness h;
  auto llm = h.make();
  h.flags.ai_quota_circuit_open = true;
  const auto refused = llm.chat(ask("hello"));
  REQUIRE_FALSE(refused.ok());
  CHECK(failure_reason(refused.failure()) == "ai_quota_circuit_open");
  CHECK(refused.failure().message.find("AI_QUOTA_CIRCUIT_OPEN") != std::string::npos);
  CHECK(h.server.count() == 0);
}

TEST_CASE("the costs of the records add up to the tokens times the prices") {
  harness h;
  auto llm = h.make();
  for (const char* prompt : {"one", "two words", "three words here"})
    REQUIRE(llm.chat(ask(prompt)).ok());
  REQUIRE(llm.embed({"alpha", "beta"}).ok());
  double recorded = 0.0;
  double expected = 0.0;
  for (const auto& record : h.records) {
    recorded += record.cost_usd;
    const auto price = config::llm_config{}.prices.at(record.model);
    expected +=
        (record.usage.prompt_tokens * price.input + record.usage.completion_tokens * price.output) /
        1e6;
  }
  CHECK(expected > 0.0);
  CHECK(recorded == Approx(expected));
  CHECK(llm.status().calls.cost_usd == Approx(expected));
}

TEST_CASE("a model without a price costs 0 and its record says so") {
  harness h;
  auto llm = h.make();
  auto request = ask("hello");
  request.model = "mystery-model";
  REQUIRE(llm.chat(request).ok());
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].model == "mystery-model");
  CHECK(h.records[0].unpriced_model);
  CHECK(h.records[0].cost_usd == 0.0);
}

TEST_CASE("a malformed response is a failure with its reason, not retried") {
  harness h;
  auto llm = h.make();
  h.server.script(R"(["malformed", "ok"])");
  const auto reply = llm.chat(ask("hello"));
  REQUIRE_FALSE(reply.ok());
  CHECK(failure_reason(reply.failure()) == "malformed_response");
  CHECK(h.server.count() == 1);
  CHECK(h.records.at(0).failure_reason == "malformed_response");
}

TEST_CASE("an unreachable server is connect_failed") {
  harness h;
  auto settings = h.settings();
  settings.base_url = "http://127.0.0.1:1/v1";
  settings.retry.max_retries = 1;
  auto llm = h.make(settings);
  const auto reply = llm.chat(ask("hello"));
  REQUIRE_FALSE(reply.ok());
  CHECK(failure_reason(reply.failure()) == "connect_failed");
  CHECK(h.records.at(0).attempts == 2);
}

TEST_CASE("the API key never appears in an error, a record or what the server echoes") {
  harness h;
  auto settings = h.settings();
  settings.request_timeout = 200ms;
  auto llm = h.make(settings);
  h.server.script(R"(["401", "quota"])");
  std::vector<std::string> texts;
  texts.push_back(llm.chat(ask("a")).failure().message);
  texts.push_back(llm.chat(ask("b")).failure().message);
  h.now += 60s;
  h.server.script(R"(["malformed"])");
  texts.push_back(llm.chat(ask("c")).failure().message);
  h.server.script(R"(["stall:1000", "stall:1000", "stall:1000"])");
  h.now += 60s;
  texts.push_back(llm.chat(ask("d")).failure().message);
  h.flags.ai_quota_circuit_open = true;
  texts.push_back(llm.chat(ask("e")).failure().message);
  for (const auto& record : h.records) {
    texts.push_back(record.request_id + record.server_id + record.model + record.failure_reason);
  }
  texts.push_back(boost::json::serialize(h.server.requests()));
  for (const auto& text : texts) {
    INFO(text);
    CHECK(text.find(secret_key) == std::string::npos);
    CHECK(text.find("SECRET") == std::string::npos);
  }
}

TEST_CASE("a base URL that is not http(s) is refused at creation") {
  client_settings settings;
  settings.base_url = "ftp://example.com";
  CHECK_FALSE(client::create(settings, {}).ok());
}
