// The simulation report's bookkeeping on events made by hand: the gap
// invariant fails when a session comes too soon, and the permits'
// utilisation is the time-weighted share of permits in use.
#include "runtime/simulation_report.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

using namespace troupe;

namespace {

constexpr std::int64_t minute_ms = 60'000;

std::shared_ptr<config::troupe_config> two_permits_one_account() {
  auto config = std::make_shared<config::troupe_config>();
  config->timezone = "UTC";
  config->concurrency = 2;
  config->idle.base_min_ms = 10 * minute_ms;
  config::mood_config day;
  day.name = "Day";
  day.start = 0;
  day.end = 24 * 60;  // all day
  day.idle = 1.5;
  config->moods = {day};
  config::pod_config pod;
  pod.name = "p";
  pod.accounts = {"a"};
  config->pods = {pod};
  return config;
}

store::runner_event event(const char* kind, std::int64_t at_ms, bool burst = false) {
  store::runner_event made;
  made.kind = kind;
  made.at_ms = at_ms;
  made.pod = "p";
  made.account_id = "a";
  made.activity = "feed";
  made.burst = burst;
  return made;
}

}  // namespace

TEST_CASE("a session sooner after the last one than the configured gap is a violation, one at the gap is not") {
  simulation_report report(two_permits_one_account());
  report.on_event(event("start", 0));
  report.on_event(event("finish", minute_ms));
  // The least gap after an end in Day: 10 min x 1.5 = 15 min.
  report.on_event(event("start", minute_ms + 15 * minute_ms));
  report.on_event(event("finish", 17 * minute_ms));
  CHECK(report.violations().empty());

  report.on_event(event("start", 17 * minute_ms + 14 * minute_ms));
  REQUIRE(report.violations().size() == 1);
  CHECK(report.violations().front().find("840000 ms after its last one ended (at least 900000 ms") !=
        std::string::npos);
}

TEST_CASE("a burst's second session needs only bursts.gapMs and a recovery step starts no gap") {
  auto config = two_permits_one_account();
  config->bursts.gap_ms = 30'000;
  simulation_report report(config);
  report.on_event(event("start", 0));
  report.on_event(event("finish", minute_ms));
  report.on_event(event("start", minute_ms + 30'000, true));
  report.on_event(event("finish", 2 * minute_ms));
  report.on_event(event("recover", 3 * minute_ms));
  report.on_event(event("error", 4 * minute_ms));
  report.on_event(event("start", 2 * minute_ms + 15 * minute_ms));  // 15 min after the last planned end
  CHECK(report.violations().empty());
  const auto json = report.to_json(0, 60 * minute_ms, 0.0);
  CHECK(json.at("burst_gaps_s").at("count").as_uint64() == 1);
  CHECK(json.at("gaps_s").at("count").as_uint64() == 1);
  CHECK(json.at("gaps_s").at("min").as_double() == 900.0);
}

TEST_CASE("the permits' utilisation is the share of permit time in use over the span") {
  simulation_report report(two_permits_one_account());
  report.on_event(event("start", 0));
  report.on_event(event("finish", 30 * minute_ms));
  // One of two permits for half of an hour: a quarter.
  CHECK(report.to_json(0, 60 * minute_ms, 0.0).at("permit_utilisation").as_double() == Approx(0.25));
  // A session still running at the end counts until the end.
  report.on_event(event("start", 45 * minute_ms));
  CHECK(report.to_json(0, 60 * minute_ms, 0.0).at("permit_utilisation").as_double() == Approx(0.375));
}
