// The operations sections (monitor, report, cleanup, notify): defaults,
// decoding, every validation rule located where the operator wrote it, and
// /api/config with the webhook's secret redacted.
#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using namespace troupe::config;
using namespace troupe::config::testing;

TEST_CASE("the operations sections default to a monitor every minute, a report every 5 minutes, cleanup after 7 days and no webhook",
          "[config][ops]") {
  const auto loaded = load_config({});
  REQUIRE(loaded.ok());
  const auto& config = *loaded.config;
  CHECK(config.jobs.at("monitor").every_ms == 60'000);
  CHECK(config.jobs.at("cleanup").every_ms == 3'600'000);
  CHECK(config.monitor.backlog_ticks == 5);
  CHECK(config.monitor.error_streak == 5);
  CHECK(config.monitor.no_post_hours == 24);
  CHECK(config.report.every_ms == 300'000);
  CHECK(config.cleanup.keep_days == 7);
  CHECK(config.notify.url.empty());
}

TEST_CASE("a config sets the operations sections and /api/config shows them without the webhook's secret",
          "[config][ops]") {
  const auto loaded = load_text(
      "monitor: {errorStreak: 3, noPostHours: 6, minFreeDiskBytes: 1000, backlogTicks: 2}\n"
      "report: {everyMs: 0}\ncleanup: {keepDays: 2}\n"
      "notify: {url: 'http://127.0.0.1:9093/hook?token=s3cret', groupMs: 5000, maxPerHour: 4}\n",
      "troupe.yaml");
  INFO(fmt::format("{}", fmt::join(formatted(loaded), "\n")));
  REQUIRE(loaded.ok());
  const auto& config = *loaded.config;
  CHECK(config.monitor.error_streak == 3);
  CHECK(config.monitor.no_post_hours == 6);
  CHECK(config.monitor.min_free_disk_bytes == 1000);
  CHECK(config.monitor.backlog_ticks == 2);
  CHECK(config.report.every_ms == 0);
  CHECK(config.cleanup.keep_days == 2);
  CHECK(config.notify.url == "http://127.0.0.1:9093/hook?token=s3cret");
  CHECK(config.notify.group_ms == 5000);
  CHECK(config.notify.max_per_hour == 4);
  const auto json = json_of(config);
  CHECK_THAT(json, Catch::Matchers::Contains(R"("cleanup":{"keepDays":2})"));
  CHECK_THAT(json, Catch::Matchers::Contains(R"("report":{"everyMs":0})"));
  CHECK_THAT(json, Catch::Matchers::Contains(R"("errorStreak":3)"));
  CHECK_THAT(json, !Catch::Matchers::Contains("s3cret"));
}

TEST_CASE("every operations rule is an error at the value that breaks it", "[config][ops]") {
  check_single_error("monitor: {backlogTicks: 1}\n", "bad.yaml:1:25: monitor.backlogTicks: must be >= 2 (got 1)");
  check_single_error("monitor: {errorStreak: 0}\n", "bad.yaml:1:24: monitor.errorStreak: must be >= 1 (got 0)");
  check_single_error("monitor: {heartbeatTimeoutMs: 0}\n",
                     "bad.yaml:1:31: monitor.heartbeatTimeoutMs: must be > 0 (got 0)");
  check_single_error("monitor: {noPostHour: 3}\n",
                     "bad.yaml:1:11: monitor.noPostHour: unknown key 'noPostHour' (did you mean 'noPostHours'?)");
  check_single_error("report: {everyMs: 10}\n", "bad.yaml:1:19: report.everyMs: must be 0 (off) or >= 1000 (got 10)");
  check_single_error("cleanup: {keepDays: 0}\n", "bad.yaml:1:21: cleanup.keepDays: must be >= 1 (got 0)");
  check_single_error("notify: {url: 'https://example.com/hook'}\n",
                     "bad.yaml:1:15: notify.url: expected an http:// URL, got \"https://example.com/<redacted>\"");
  check_single_error("notify: {maxPerHour: 0}\n", "bad.yaml:1:22: notify.maxPerHour: must be >= 1 (got 0)");
}
