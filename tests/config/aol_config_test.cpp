// The `aol` section: its defaults, decoding, every validation rule with the
// FILE:LINE:COL an operator sees, and how /api/config shows it.
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using namespace troupe::config;
using namespace troupe::config::testing;

TEST_CASE("the aol section defaults to the documented values", "[config][aol]") {
  const auto loaded = load_config({});
  REQUIRE(loaded.ok());
  const auto& aol = loaded.config->aol;
  CHECK(aol.tick_ms == 1000);
  CHECK(aol.lease_ttl_ms == 15'000);
  CHECK(aol.action_lease_ms == 60'000);
  CHECK(aol.max_batch == 32);
  CHECK(aol.max_attempts == 5);
  CHECK(aol.backoff.base_ms == 10'000);
  CHECK(aol.backoff.multiplier == 2.0);
  CHECK(aol.backoff.max_ms == 3'600'000);
  CHECK(aol.backoff.jitter == 0.5);
  CHECK(aol.decision_timeout_ms == 86'400'000);
  CHECK(aol.retention_ms == 7LL * 24 * 3600 * 1000);
  CHECK(aol.data_dir == "aol-data");
  CHECK(aol.notify_webhook.empty());
  CHECK(aol.proof);
  CHECK(aol.held_recheck_ms == 60'000);
  CHECK(aol.max_parallel == 4);
}

TEST_CASE("every aol key decodes, and keys left out keep their defaults", "[config][aol]") {
  const auto loaded = load_text(R"(aol:
  tickMs: 250
  leaseTtlMs: 2000
  actionLeaseMs: 5000
  maxBatch: 8
  maxAttempts: 50
  backoff: {baseMs: 100, multiplier: 3, maxMs: 900, jitter: 0}
  decisionTimeoutMs: 60000
  retentionMs: 3600000
  dataDir: /var/lib/troupe/aol
  notifyWebhook: http://127.0.0.1:9000/hooks/aol
  proof: false
  heldRecheckMs: 5000
  maxParallel: 2
)");
  INFO(fmt::format("{}", fmt::join(formatted(loaded), "\n")));
  REQUIRE(loaded.ok());
  const auto& aol = loaded.config->aol;
  CHECK(aol.tick_ms == 250);
  CHECK(aol.lease_ttl_ms == 2000);
  CHECK(aol.action_lease_ms == 5000);
  CHECK(aol.max_batch == 8);
  CHECK(aol.max_attempts == 50);
  CHECK(aol.backoff.base_ms == 100);
  CHECK(aol.backoff.multiplier == 3.0);
  CHECK(aol.backoff.max_ms == 900);
  CHECK(aol.backoff.jitter == 0.0);
  CHECK(aol.decision_timeout_ms == 60'000);
  CHECK(aol.retention_ms == 3'600'000);
  CHECK(aol.data_dir == "/var/lib/troupe/aol");
  CHECK(aol.notify_webhook == "http://127.0.0.1:9000/hooks/aol");
  CHECK_FALSE(aol.proof);
  CHECK(aol.held_recheck_ms == 5000);
  CHECK(aol.max_parallel == 2);

  const auto partial = load_text("aol:\n  backoff:\n    jitter: 0.25\n");
  REQUIRE(partial.ok());
  CHECK(partial.config->aol.backoff.jitter == 0.25);
  CHECK(partial.config->aol.backoff.base_ms == 10'000);
  CHECK(partial.config->aol.tick_ms == 1000);
}

TEST_CASE("aol keys of the wrong type or unknown are located errors", "[config][aol]") {
  check_single_error("aol:\n  tickMs: soon\n",
                     "bad.yaml:2:11: aol.tickMs: expected an integer, got \"soon\"");
  check_single_error("aol:\n  tickMS: 10\n",
                     "bad.yaml:2:3: aol.tickMS: unknown key 'tickMS' (did you mean 'tickMs'?)");
  check_single_error("aol:\n  backoff:\n    base: 10\n",
                     "bad.yaml:3:5: aol.backoff.base: unknown key 'base' (did you mean 'baseMs'?)");
  check_single_error("aol: 5\n", "bad.yaml:1:6: aol: expected a mapping, got \"5\"");
}

TEST_CASE("every aol rule is an error at the value that breaks it", "[config][aol]") {
  struct rule_case {
    const char* document;
    const char* expected;
  };
  for (const auto& c : std::vector<rule_case>{
           {"aol:\n  tickMs: 0\n", "bad.yaml:2:11: aol.tickMs: must be > 0 (got 0)"},
           {"aol:\n  leaseTtlMs: 1000\n",
            "bad.yaml:2:15: aol.leaseTtlMs: must be > aol.tickMs (1000) (got 1000)"},
           // leaseTtlMs left at its default: located at the section.
           {"aol:\n  tickMs: 20000\n",
            "bad.yaml:2:3: aol.leaseTtlMs: must be > aol.tickMs (20000) (got 15000)"},
           {"aol:\n  actionLeaseMs: 0\n",
            "bad.yaml:2:18: aol.actionLeaseMs: must be > 0 (got 0)"},
           {"aol:\n  maxBatch: 0\n",
            "bad.yaml:2:13: aol.maxBatch: must be within 1..1000 (got 0)"},
           {"aol:\n  maxBatch: 1001\n",
            "bad.yaml:2:13: aol.maxBatch: must be within 1..1000 (got 1001)"},
           {"aol:\n  maxAttempts: 0\n",
            "bad.yaml:2:16: aol.maxAttempts: must be >= 1 (got 0)"},
           {"aol:\n  backoff: {baseMs: 0}\n",
            "bad.yaml:2:21: aol.backoff.baseMs: must be > 0 (got 0)"},
           {"aol:\n  backoff: {multiplier: 0.5}\n",
            "bad.yaml:2:25: aol.backoff.multiplier: must be >= 1 (got 0.5)"},
           {"aol:\n  backoff: {maxMs: 5}\n",
            "bad.yaml:2:20: aol.backoff.maxMs: must be >= aol.backoff.baseMs (10000) (got 5)"},
           {"aol:\n  backoff: {jitter: 1.5}\n",
            "bad.yaml:2:21: aol.backoff.jitter: must be within 0..1 (got 1.5)"},
           {"aol:\n  decisionTimeoutMs: 0\n",
            "bad.yaml:2:22: aol.decisionTimeoutMs: must be > 0 (got 0)"},
           {"aol:\n  retentionMs: -1\n",
            "bad.yaml:2:16: aol.retentionMs: must be > 0 (got -1)"},
           {"aol:\n  dataDir: \"\"\n", "bad.yaml:2:12: aol.dataDir: must not be empty"},
           {"aol:\n  heldRecheckMs: 0\n",
            "bad.yaml:2:18: aol.heldRecheckMs: must be > 0 (got 0)"},
           {"aol:\n  maxParallel: 0\n",
            "bad.yaml:2:16: aol.maxParallel: must be within 1..64 (got 0)"},
           {"aol:\n  notifyWebhook: https://hooks.example/x\n",
            "bad.yaml:2:18: aol.notifyWebhook: expected an http:// URL, got "
            "\"https://hooks.example/<redacted>\""},
       }) {
    check_single_error(c.document, c.expected);
  }
}

TEST_CASE("the effective config shows the aol section with the webhook's secret part redacted",
          "[config][aol]") {
  auto loaded = load_text(
      "aol:\n  maxBatch: 7\n  notifyWebhook: http://hooks.example:9000/T000/secret?token=abc\n");
  REQUIRE(loaded.ok());
  const auto json = to_json(*loaded.config);
  const auto& aol = json.at("aol");
  CHECK(aol.at("maxBatch").as_int64() == 7);
  CHECK(aol.at("tickMs").as_int64() == 1000);
  CHECK(aol.at("backoff").at("multiplier").as_double() == 2.0);
  CHECK(aol.at("dataDir").as_string() == "aol-data");
  CHECK(aol.at("notifyWebhook").as_string() == "http://hooks.example:9000/<redacted>");
  CHECK(json_of(*loaded.config).find("secret") == std::string::npos);
  CHECK(to_json(troupe_config{}).at("aol").at("notifyWebhook").as_string() == "");
}
