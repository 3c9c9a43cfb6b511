// `troupe simulate`: a week of many accounts keeps every invariant, draws the
// configured handoff mode, and is reproducible.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

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
