// Prices, wire parsing and settings: the pure parts around the client.
#include "runtime/llm/cost.hpp"

#include <catch2/catch.hpp>
#include <map>

#include "runtime/llm/openai_wire.hpp"
#include "runtime/llm/settings.hpp"

using namespace troupe::llm;

TEST_CASE("a call costs its prompt and completion tokens at the model's price per million") {
  const price_table prices{{"gpt-4o-mini", {0.15, 0.60}}};
  const token_usage usage{1000, 500, 1500};
  CHECK(cost_usd(prices, "gpt-4o-mini", usage) == Approx(0.00015 + 0.0003));
  CHECK(has_price(prices, "gpt-4o-mini"));
}

TEST_CASE("a model without a price costs 0 and is said to be unpriced") {
  const price_table prices{{"gpt-4o-mini", {0.15, 0.60}}};
  CHECK(cost_usd(prices, "mystery-model", token_usage{1000, 1000, 2000}) == 0.0);
  CHECK_FALSE(has_price(prices, "mystery-model"));
}

TEST_CASE("a chat response gives its content, id and usage, a malformed one says what lacks") {
  const auto parsed =
      parse_chat(R"({"id":"c1","choices":[{"message":{"role":"assistant","content":"Hi."}}],)"
                 R"("usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})");
  REQUIRE(parsed.ok());
  CHECK(parsed->content == "Hi.");
  CHECK(parsed->id == "c1");
  CHECK(parsed->usage.prompt_tokens == 3);
  CHECK(parsed->usage.completion_tokens == 2);
  CHECK(parsed->usage.total_tokens == 5);
  CHECK(parse_chat("{not json").failure().message == "the response is not a JSON object");
  CHECK(parse_chat(R"({"choices":[]})").failure().message == "the response has no choices");
  CHECK(parse_chat(R"({"choices":[{"message":{}}]})").failure().message ==
        "the response has no choices[0].message.content");
}

TEST_CASE("embeddings come back in input order whatever the order of data") {
  const auto parsed =
      parse_embeddings(R"({"data":[{"index":1,"embedding":[0,1]},{"index":0,"embedding":[1,0]}],)"
                       R"("usage":{"prompt_tokens":4,"total_tokens":4}})",
                       2);
  REQUIRE(parsed.ok());
  CHECK(parsed->vectors == std::vector<std::vector<float>>{{1, 0}, {0, 1}});
  CHECK(parsed->usage.prompt_tokens == 4);
  CHECK_FALSE(parse_embeddings(R"({"data":[{"embedding":[1]}]})", 2).ok());
  CHECK_FALSE(parse_embeddings(R"({"data":[{"embedding":["x"]}]})", 1).ok());
}

TEST_CASE("insufficient_quota in error.code or error.type means the quota is exhausted") {
  CHECK(says_quota_exhausted(R"({"error":{"code":"insufficient_quota"}})"));
  CHECK(says_quota_exhausted(R"({"error":{"type":"insufficient_quota","code":null}})"));
  CHECK_FALSE(says_quota_exhausted(R"({"error":{"code":"rate_limit_exceeded"}})"));
  CHECK_FALSE(says_quota_exhausted("not json"));
}

TEST_CASE("models: the environment, then llm.model, then the flags section") {
  std::map<std::string, std::string> environment;
  const troupe::config::environment_lookup lookup = [&environment](const char* name) {
    const auto found = environment.find(name);
    return found == environment.end() ? nullptr : found->second.c_str();
  };
  troupe::config::troupe_config config;
  CHECK(chat_model(config.llm, config.flags, lookup) == "gpt-4o-mini");
  CHECK(embed_model(config.llm, config.flags, lookup) == "text-embedding-3-small");
  config.llm.model = "from-llm";
  config.llm.embed_model = "embed-from-llm";
  CHECK(chat_model(config.llm, config.flags, lookup) == "from-llm");
  CHECK(embed_model(config.llm, config.flags, lookup) == "embed-from-llm");
  environment["OPENAI_MODEL"] = "from-env";
  environment["EMBED_MODEL"] = "";
  CHECK(chat_model(config.llm, config.flags, lookup) == "from-env");
  CHECK(embed_model(config.llm, config.flags, lookup) == "embed-from-llm");

  environment["OPENAI_API_KEY"] = "sk-test";
  const auto settings = settings_from_config(config, lookup);
  CHECK(settings.api_key == "sk-test");
  CHECK(settings.chat_model == "from-env");
  CHECK(settings.retry.max_retries == 2);
  CHECK(settings.breaker.failures == 5);
  CHECK(settings.prices.count("gpt-4o-mini") == 1);
}
