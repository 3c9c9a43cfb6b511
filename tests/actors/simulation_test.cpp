// `troupe simulate`: a week of many accounts keeps every invariant, draws the
// configured handoff mode, and is reproducible.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <cmath>

#include "runtime/simulation.hpp"

namespace {

boost::json::object simulate(int days, std::uint64_t seed, int pods, int accounts) {
  troupe::simulation_options options;
  options.days = days;
  options.seed = seed;
  options.pods = pods;
  options.accounts_per_pod = accounts;
  return troupe::run_simulation(troupe::simulated_config(troupe::config::troupe_config{}, options), options);
}

}  // namespace

TEST_CASE("seven days of 10 pods of 5 accounts break no invariant and draw the configured handoff mode") {
  auto report = simulate(7, 7, 10, 5);
  CHECK(report.at("invariant_violations").as_array().empty());
  CHECK(report.at("sessions_in_sleep").as_int64() == 0);
  CHECK(report.at("max_concurrent").as_int64() == 1);
  CHECK(report.at("sessions_total").as_int64() > 500);
  const auto& delays = report.at("handoff_delays_s").as_object();
  CHECK(delays.at("min").as_double() >= 15.0);
  CHECK(delays.at("max").as_double() <= 900.0);
  CHECK(delays.at("mode_estimate").as_double() == Approx(54.0).epsilon(0.15));
  CHECK(report.at("virtual_seconds").as_double() == 7 * 86400.0);
}

TEST_CASE("a week's report shows sessions per account and daypart, the gaps within their bounds and the permits' use") {
  const troupe::config::troupe_config defaults;
  auto report = simulate(7, 3, 10, 5);
  CHECK(report.at("invariant_violations").as_array().empty());

  // Every configured daypart is there, over all 50 accounts; sleep ones hold no session.
  const auto& by_daypart = report.at("sessions_per_account_by_daypart").as_object();
  std::int64_t sessions = 0;
  for (const auto& mood : defaults.moods) {
    INFO(mood.name);
    REQUIRE(by_daypart.contains(mood.name));
    const auto& spread = by_daypart.at(mood.name).as_object();
    CHECK(spread.at("count").as_uint64() == 50);
    if (mood.sleep) CHECK(spread.at("max").as_double() == 0.0);
    sessions += std::llround(spread.at("mean").as_double() * 50);
  }
  CHECK(sessions == report.at("sessions_total").as_int64());

  // No gap under the configured least: baseMinMs times the smallest idle multiplier.
  double least_multiplier = 1.0;
  for (const auto& mood : defaults.moods) least_multiplier = std::min(least_multiplier, mood.idle);
  const auto& gaps = report.at("gaps_s").as_object();
  CHECK(gaps.at("count").as_uint64() > 400);
  CHECK(gaps.at("min").as_double() >= defaults.idle.base_min_ms * least_multiplier / 1000.0 - 0.001);
  CHECK(gaps.at("p10").as_double() <= gaps.at("p50").as_double());
  CHECK(gaps.at("p50").as_double() <= gaps.at("p90").as_double());
  const auto& burst_gaps = report.at("burst_gaps_s").as_object();
  CHECK(burst_gaps.at("count").as_uint64() == static_cast<std::uint64_t>(report.at("bursts").as_int64()));
  if (burst_gaps.at("count").as_uint64() > 0) {
    CHECK(burst_gaps.at("min").as_double() >= defaults.bursts.gap_ms / 1000.0);
  }

  // One permit, busy part of the time: a share strictly between 0 and 1.
  const double utilisation = report.at("permit_utilisation").as_double();
  CHECK(utilisation > 0.0);
  CHECK(utilisation < 1.0);
}

TEST_CASE("the same seed gives the same report, another seed another one") {
  auto first = simulate(2, 11, 3, 5);
  auto again = simulate(2, 11, 3, 5);
  auto other = simulate(2, 12, 3, 5);
  for (auto* report : {&first, &again, &other}) report->erase("wall_seconds");
  CHECK(boost::json::serialize(first) == boost::json::serialize(again));
  CHECK(boost::json::serialize(first) != boost::json::serialize(other));
}

TEST_CASE("failing sessions start recoveries and every-step failures park accounts in the report") {
  troupe::simulation_options options;
  options.days = 2;
  options.seed = 5;
  options.pods = 2;
  options.accounts_per_pod = 5;
  options.model.p_hard = 0.2;
  options.model.p_recovery_fails = 1.0;
  troupe::config::troupe_config config;
  config.recovery.cooldown_ms = 0;
  auto report = troupe::run_simulation(troupe::simulated_config(config, options), options);
  CHECK(report.at("recoveries").as_int64() > 0);
  CHECK(report.at("needs_recovery_accounts").as_int64() > 0);
  CHECK(report.at("invariant_violations").as_array().empty());
}
