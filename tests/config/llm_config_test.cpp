// The `llm` section: its defaults, decoding (YAML and JSON alike), every
// validation rule with the FILE:LINE:COL an operator sees, and /api/config.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using namespace troupe::config;
using namespace troupe::config::testing;

TEST_CASE("the llm section defaults to the documented values", "[config][llm]") {
  const auto loaded = load_config({});
  REQUIRE(loaded.ok());
  const auto& llm = loaded.config->llm;
  CHECK(llm.base_url == "https://api.openai.com/v1");
  CHECK(llm.model.empty());
  CHECK(llm.embed_model.empty());
  CHECK(llm.api_key_env == "OPENAI_API_KEY");
  CHECK(llm.ca_file.empty());
  CHECK(llm.connect_timeout_ms == 5000);
  CHECK(llm.request_timeout_ms == 60'000);
  CHECK(llm.max_retries == 2);
  CHECK(llm.breaker.failures == 5);
  CHECK(llm.breaker.cooldown_ms == 60'000);
  REQUIRE(llm.prices.count("gpt-4o-mini") == 1);
  CHECK(llm.prices.at("gpt-4o-mini").input == 0.15);
  CHECK(llm.prices.at("gpt-4o-mini").output == 0.60);
  REQUIRE(llm.prices.count("text-embedding-3-small") == 1);
  CHECK(llm.prices.at("text-embedding-3-small").input == 0.02);
}

TEST_CASE("every llm key decodes, and a price given adds to the default prices", "[config][llm]") {
  const auto loaded = load_text(R"(llm:
  baseUrl: http://127.0.0.1:8081/v1
  model: local-chat
  embedModel: local-embed
  apiKeyEnv: LOCAL_LLM_KEY
  caFile: /etc/troupe/ca.pem
  connectTimeoutMs: 250
  requestTimeoutMs: 3000
  maxRetries: 4
  breaker: {failures: 3, cooldownMs: 1000}
  prices:
    local-chat: {input: 1.5, output: 2}
    gpt-4o-mini: {input: 0.2, output: 0.8}
)");
  INFO(fmt::format("{}", fmt::join(formatted(loaded), "\n")));
  REQUIRE(loaded.ok());
  const auto& llm = loaded.config->llm;
  CHECK(llm.base_url == "http://127.0.0.1:8081/v1");
  CHECK(llm.model == "local-chat");
  CHECK(llm.embed_model == "local-embed");
  CHECK(llm.api_key_env == "LOCAL_LLM_KEY");
  CHECK(llm.ca_file == "/etc/troupe/ca.pem");
  CHECK(llm.connect_timeout_ms == 250);
  CHECK(llm.request_timeout_ms == 3000);
  CHECK(llm.max_retries == 4);
  CHECK(llm.breaker.failures == 3);
  CHECK(llm.breaker.cooldown_ms == 1000);
  CHECK(llm.prices.at("local-chat").input == 1.5);
  CHECK(llm.prices.at("local-chat").output == 2.0);
  CHECK(llm.prices.at("gpt-4o-mini").input == 0.2);
  CHECK(llm.prices.at("text-embedding-3-small").input == 0.02);
}

TEST_CASE("the llm section reads the same from JSON", "[config][llm]") {
  const auto loaded = load_text(
      R"({"llm": {"maxRetries": 0, "breaker": {"failures": 1}, "prices": {"m": {"input": 1, "output": 0}}}})",
      "llm.json");
  INFO(fmt::format("{}", fmt::join(formatted(loaded), "\n")));
  REQUIRE(loaded.ok());
  CHECK(loaded.config->llm.max_retries == 0);
  CHECK(loaded.config->llm.breaker.failures == 1);
  CHECK(loaded.config->llm.prices.at("m").input == 1.0);
}

TEST_CASE("llm keys of the wrong type or unknown are located errors", "[config][llm]") {
  check_single_error("llm:\n  maxRetries: many\n",
                     "bad.yaml:2:15: llm.maxRetries: expected an integer, got \"many\"");
  check_single_error("llm:\n  baseURL: http://x\n",
                     "bad.yaml:2:3: llm.baseURL: unknown key 'baseURL' (did you mean 'baseUrl'?)");
  check_single_error("llm:\n  breaker:\n    cooldown: 10\n",
                     "bad.yaml:3:5: llm.breaker.cooldown: unknown key 'cooldown' (did you mean "
                     "'cooldownMs'?)");
  check_single_error("llm:\n  prices:\n    m: {input: 1}\n",
                     "bad.yaml:3:8: llm.prices.m: missing key 'output'");
  check_single_error("llm:\n  prices:\n    m: {input: cheap, output: 1}\n",
                     "bad.yaml:3:16: llm.prices.m.input: expected a number, got \"cheap\"");
}

TEST_CASE("every llm rule is an error at the value that breaks it", "[config][llm]") {
  struct rule_case {
    const char* document;
    const char* expected;
  };
  for (const auto& c : std::vector<rule_case>{
           {"llm:\n  baseUrl: ftp://x/v1\n",
            "bad.yaml:2:12: llm.baseUrl: expected an http:// or https:// URL, got \"ftp://x/v1\""},
           {"llm:\n  apiKeyEnv: sk-live-123\n",
            "bad.yaml:2:14: llm.apiKeyEnv: expected the name of an environment variable "
            "(letters, digits, '_'), not a key"},
           {"llm:\n  connectTimeoutMs: 0\n",
            "bad.yaml:2:21: llm.connectTimeoutMs: must be > 0 (got 0)"},
           {"llm:\n  requestTimeoutMs: -5\n",
            "bad.yaml:2:21: llm.requestTimeoutMs: must be > 0 (got -5)"},
           {"llm:\n  maxRetries: 11\n",
            "bad.yaml:2:15: llm.maxRetries: must be within 0..10 (got 11)"},
           {"llm:\n  breaker: {failures: 0}\n",
            "bad.yaml:2:23: llm.breaker.failures: must be >= 1 (got 0)"},
           {"llm:\n  breaker: {cooldownMs: 0}\n",
            "bad.yaml:2:25: llm.breaker.cooldownMs: must be > 0 (got 0)"},
           {"llm:\n  prices: {m: {input: -1, output: 0}}\n",
            "bad.yaml:2:23: llm.prices.m.input: must be >= 0 (got -1)"},
       }) {
    check_single_error(c.document, c.expected);
  }
}

TEST_CASE("a key pasted as apiKeyEnv is never echoed, in errors or in /api/config",
          "[config][llm]") {
  const auto loaded = load_text("llm:\n  apiKeyEnv: sk-live-123\n");
  for (const auto& line : formatted(loaded)) CHECK(line.find("sk-live-123") == std::string::npos);
}

TEST_CASE("the effective config shows the llm section", "[config][llm]") {
  auto loaded = load_text("llm:\n  maxRetries: 3\n  baseUrl: http://user:pw@127.0.0.1:9/v1\n");
  REQUIRE(loaded.ok());
  const auto json = to_json(*loaded.config);
  const auto& llm = json.at("llm");
  CHECK(llm.at("maxRetries").as_int64() == 3);
  CHECK(llm.at("apiKeyEnv").as_string() == "OPENAI_API_KEY");
  CHECK(llm.at("breaker").at("cooldownMs").as_int64() == 60'000);
  CHECK(llm.at("prices").at("gpt-4o-mini").at("output").as_double() == 0.60);
  CHECK(json_of(*loaded.config).find("pw@") == std::string::npos);
}
