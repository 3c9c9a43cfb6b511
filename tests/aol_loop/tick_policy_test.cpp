// The loop's pure decisions: settings, how outcomes are written, renewal and
// tick pacing, pruning, and the tick line `troupe daemon` prints.
#include <catch2/catch.hpp>

#include "runtime/aol/tick_policy.hpp"

using namespace troupe::aol;
using troupe::store::tick_status;

TEST_CASE("the loop's settings come from the aol section, artifacts under dataDir/proof") {
  troupe::config::aol_config aol;
  aol.tick_ms = 250;
  aol.max_batch = 9;
  aol.backoff = {100, 3.0, 900, 0.0};
  aol.data_dir = "/srv/aol";
  aol.max_parallel = 3;
  aol.held_recheck_ms = 7000;
  const auto settings = settings_from(aol);
  CHECK(settings.max_parallel == 3);
  CHECK(settings.held_recheck_ms == 7000);
  CHECK(settings.tick_ms == 250);
  CHECK(settings.lease_ttl_ms == 15'000);
  CHECK(settings.action_lease_ms == 60'000);
  CHECK(settings.max_batch == 9);
  CHECK(settings.backoff.base_delay_ms == 100);
  CHECK(settings.backoff.multiplier == 3.0);
  CHECK(settings.backoff.max_delay_ms == 900);
  CHECK(settings.backoff.jitter == 0.0);
  CHECK(settings.artifact_dir == std::filesystem::path("/srv/aol/proof"));
  CHECK(check_backoff_config(settings_from(troupe::config::aol_config{}).backoff).ok());
}

TEST_CASE("an outcome settles as complete, a backoff retry, a DLQ failure, a decision, a hold or a proof") {
  troupe::policy::rng random(1);
  loop_settings backoff;
  backoff.backoff = {1000, 2.0, 60'000, 0.0};
  backoff.held_recheck_ms = 30'000;
  const auto done = settle(adapter_outcome::success(), 1, backoff, random);
  CHECK(done.write == settlement::kind::complete);

  const auto third = settle(adapter_outcome::retryable("rate limited"), 3, backoff, random);
  CHECK(third.write == settlement::kind::fail);
  CHECK(third.failure.error == "rate limited");
  CHECK_FALSE(third.failure.permanent);
  CHECK(third.failure.retry_delay_ms == 4000);  // 1000 * 2^(3-1)

  const auto dead = settle(adapter_outcome::permanent_failure("bad payload"), 1, backoff, random);
  CHECK(dead.write == settlement::kind::fail);
  CHECK(dead.failure.permanent);
  CHECK(dead.failure.retry_delay_ms == 0);

  const auto asked = settle(adapter_outcome::decision_needed("approve?"), 1, backoff, random);
  CHECK(asked.write == settlement::kind::request_decision);

  const auto held = settle(adapter_outcome::held("posting_disabled", "posting"), 5, backoff, random);
  CHECK(held.write == settlement::kind::hold);
  CHECK(held.held_reason == "posting_disabled");
  CHECK(held.recheck_delay_ms == 30'000);  // not the backoff: a hold is no failure

  const auto proved = settle(adapter_outcome::proofed("/d/proof/1-1.json"), 1, backoff, random);
  CHECK(proved.write == settlement::kind::prove);
  CHECK(proved.artifact == "/d/proof/1-1.json");
}

TEST_CASE("a tick claims no more actions than free adapter slots, and at most a batch") {
  loop_settings settings;
  settings.max_batch = 32;
  settings.max_parallel = 4;
  CHECK(claim_limit(settings, 0) == 4);
  CHECK(claim_limit(settings, 3) == 1);
  CHECK(claim_limit(settings, 4) == 0);
  CHECK(claim_limit(settings, 9) == 0);
  settings.max_batch = 2;
  CHECK(claim_limit(settings, 0) == 2);
}

TEST_CASE("leases are renewed three times per the shorter lease") {
  loop_settings settings;
  settings.lease_ttl_ms = 15'000;
  settings.action_lease_ms = 60'000;
  CHECK(renew_interval_ms(settings) == 5000);
  settings.action_lease_ms = 600;
  CHECK(renew_interval_ms(settings) == 200);
  settings.action_lease_ms = 1;
  CHECK(renew_interval_ms(settings) == 1);
}

TEST_CASE("the next tick starts a tick after the last one started, at once after a full batch") {
  loop_settings settings;
  settings.tick_ms = 1000;
  CHECK(next_tick_delay_ms(settings, 0, false) == 1000);
  CHECK(next_tick_delay_ms(settings, 300, false) == 700);
  CHECK(next_tick_delay_ms(settings, 5000, false) == 0);
  CHECK(next_tick_delay_ms(settings, 300, true) == 0);
}

TEST_CASE("the database's reading is placed at the middle of the round trip that asked for it") {
  // Local readings 1,000 and 1,040 around a database reading of 5,000: the
  // database's 5,000 is the local 1,020.
  CHECK(database_clock_offset_ms(1'000, 5'000, 1'040) == 3'980);
  CHECK(database_clock_offset_ms(1'000, 400, 1'000) == -600);  // a database clock behind ours
}

TEST_CASE("the first tick prunes, then at most hourly") {
  CHECK(prune_due(std::nullopt, 0));
  CHECK_FALSE(prune_due(1000, 1000 + prune_interval_ms - 1));
  CHECK(prune_due(1000, 1000 + prune_interval_ms));
}

TEST_CASE("the tick line has the exact format of troupe daemon") {
  tick_report report;
  report.index = 3;
  report.status = tick_status::success;
  report.attempted = 12;
  report.succeeded = 11;
  report.duration_ms = 1234;
  CHECK(tick_line(report) ==
        "[AOL Tick 3] SUCCESS | Actions: 12 attempted, 11 succeeded | Duration: 1.23s");
  report.status = tick_status::paused;
  report.attempted = report.succeeded = 0;
  report.duration_ms = 6;
  CHECK(tick_line(report) ==
        "[AOL Tick 3] PAUSED | Actions: 0 attempted, 0 succeeded | Duration: 0.01s");
  report.status = tick_status::error;
  report.duration_ms = 0;
  CHECK(tick_line(report) ==
        "[AOL Tick 3] ERROR | Actions: 0 attempted, 0 succeeded | Duration: 0.00s");
}
