#include "runtime/policy/idle.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "policy_fixtures.hpp"

using namespace troupe::policy;
using namespace troupe::policy::testing;

namespace {

std::vector<std::int64_t> spacings(const troupe::config::mood_config* mood, int n) {
  rng random{21};
  std::vector<std::int64_t> values;
  for (int i = 0; i < n; ++i)
    values.push_back(idle_spacing_ms(troupe::config::idle_config{}, mood, random));
  return values;
}

}  // namespace

TEST_CASE("without a mood, idle spacing is uniform over [15 min, 60 min]", "[idle]") {
  const auto values = spacings(nullptr, 20'000);
  const auto [lowest, highest] = std::minmax_element(values.begin(), values.end());
  CHECK(*lowest >= 15 * minute_ms);
  CHECK(*highest <= 60 * minute_ms);
  CHECK(*lowest < 15 * minute_ms + 30'000);
  CHECK(*highest > 60 * minute_ms - 30'000);
  double sum = 0;
  for (const auto v : values) sum += double(v);
  CHECK(sum / double(values.size()) == Approx(37.5 * minute_ms).epsilon(0.01));
}

TEST_CASE("a mood's idle multiplier scales both bounds: LateNightLurk (1.5) waits 22.5-90 min",
          "[idle]") {
  const auto moods = troupe::config::default_moods();
  const auto* lurk = mood_at(moods, 23 * 60);
  REQUIRE(lurk->name == "LateNightLurk");
  const auto values = spacings(lurk, 20'000);
  const auto [lowest, highest] = std::minmax_element(values.begin(), values.end());
  CHECK(*lowest >= 22 * minute_ms + 30'000);
  CHECK(*highest <= 90 * minute_ms);
  CHECK(*lowest < 22 * minute_ms + 30'000 + 45'000);
  CHECK(*highest > 90 * minute_ms - 45'000);
}

TEST_CASE("the next eligibility is the session's end plus the idle spacing", "[idle]") {
  rng first{8};
  rng second{8};
  const auto end = utc_ms(2024, 5, 15, 12, 0);
  CHECK(next_eligible_after(end, troupe::config::idle_config{}, nullptr, first) ==
        end + idle_spacing_ms(troupe::config::idle_config{}, nullptr, second));
}
