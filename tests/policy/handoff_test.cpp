#include "runtime/policy/handoff.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

using namespace troupe::policy;
using troupe::config::handoff_config;

namespace {

std::vector<double> delays_ms(const handoff_config& handoff, std::uint64_t seed, int n) {
  rng random{seed};
  std::vector<double> delays;
  delays.reserve(n);
  for (int i = 0; i < n; ++i) delays.push_back(double(sample_handoff_delay_ms(handoff, random)));
  return delays;
}

double share_within(const std::vector<double>& values, double lo, double hi) {
  const auto inside =
      std::count_if(values.begin(), values.end(), [&](double v) { return v >= lo && v <= hi; });
  return double(inside) / double(values.size());
}

double quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(q * double(values.size() - 1))];
}

}  // namespace

TEST_CASE("no handoff delay falls outside 15 s to 900 s", "[handoff]") {
  const handoff_config reference;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const auto delays = delays_ms(reference, seed, 20'000);
    CHECK(*std::min_element(delays.begin(), delays.end()) >= 15'000);
    CHECK(*std::max_element(delays.begin(), delays.end()) <= 900'000);
  }
}

TEST_CASE("truncation resamples: no mass piles up at either bound", "[handoff]") {
  // Clamping would put ~1 % of the delays exactly on 15 s and ~1.3 % on
  // 900 s; the log-normal density itself puts ~0.1 % in the first half
  // second and ~0.04 % in the last ten seconds.
  const auto delays = delays_ms(handoff_config{}, 9, 40'000);
  CHECK(share_within(delays, 15'000, 15'500) < 0.004);
  CHECK(share_within(delays, 890'000, 900'000) < 0.004);
  CHECK(share_within(delays, 15'000, 15'000) < 0.001);
  CHECK(share_within(delays, 900'000, 900'000) < 0.001);
}

TEST_CASE(
    "the mode of 2,000 handoff delays is within 15 % of the configured 54 s, whatever the seed",
    "[handoff]") {
  const handoff_config reference;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    INFO("seed " << seed);
    CHECK(mode_estimate(delays_ms(reference, seed, 2'000)) == Approx(54'000).epsilon(0.15));
  }
}

TEST_CASE("sigma widens the delays while the mode stays at the configured value", "[handoff]") {
  handoff_config narrow;
  narrow.sigma = 0.5;
  const handoff_config reference;  // sigma 0.9
  const auto narrow_delays = delays_ms(narrow, 5, 4'000);
  const auto wide_delays = delays_ms(reference, 5, 4'000);
  CHECK(mode_estimate(narrow_delays) == Approx(54'000).epsilon(0.15));
  CHECK(mode_estimate(wide_delays) == Approx(54'000).epsilon(0.15));
  // The median is mode x e^(sigma^2): ~69 s at 0.5, ~121 s at 0.9 (before truncation).
  CHECK(quantile(narrow_delays, 0.5) == Approx(69'300).epsilon(0.1));
  CHECK(quantile(wide_delays, 0.5) == Approx(121'000).epsilon(0.1));
  CHECK(quantile(wide_delays, 0.9) / quantile(wide_delays, 0.1) >
        2 * quantile(narrow_delays, 0.9) / quantile(narrow_delays, 0.1));
}

TEST_CASE("a config with no log-normal mass in bounds still returns, uniformly within them",
          "[handoff]") {
  handoff_config hopeless;
  hopeless.min_ms = 3'600'000;
  hopeless.max_ms = 3'601'000;  // the reference log-normal has ~1e-9 mass here
  rng random{1};
  for (int i = 0; i < 20; ++i) {
    const auto delay = sample_handoff_delay_ms(hopeless, random);
    CHECK(delay >= hopeless.min_ms);
    CHECK(delay <= hopeless.max_ms);
  }
}

TEST_CASE("the same seed gives the same handoff delays", "[handoff]") {
  CHECK(delays_ms(handoff_config{}, 77, 100) == delays_ms(handoff_config{}, 77, 100));
}

TEST_CASE("the mode estimate finds the peak of other shapes and ignores non-positive values",
          "[handoff]") {
  // A symmetric triangle on [50, 150] peaks at 100.
  rng random{4};
  std::vector<double> triangle;
  for (int i = 0; i < 5'000; ++i)
    triangle.push_back(50 + 50 * (random.uniform01() + random.uniform01()));
  CHECK(mode_estimate(triangle) == Approx(100).epsilon(0.1));
  triangle.push_back(0);
  triangle.push_back(-30);
  CHECK(mode_estimate(triangle) == Approx(100).epsilon(0.1));
  CHECK(mode_estimate({}) == 0);
  CHECK(mode_estimate({-1, 0}) == 0);
  CHECK(mode_estimate({42, 42, 42, 42}) == Approx(42));
}
