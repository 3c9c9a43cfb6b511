#include "runtime/aol/retry_policy.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

using Catch::Matchers::Contains;
using troupe::aol::backoff_config;
using troupe::aol::backoff_delay_ms;
using troupe::aol::check_backoff_config;
using troupe::aol::nominal_backoff_ms;
using troupe::policy::rng;

namespace {

backoff_config config_of(std::int64_t base_ms, double multiplier, std::int64_t max_ms,
                         double jitter) {
  backoff_config config;
  config.base_delay_ms = base_ms;
  config.multiplier = multiplier;
  config.max_delay_ms = max_ms;
  config.jitter = jitter;
  return config;
}

std::vector<std::int64_t> delays(std::uint64_t seed, const backoff_config& config, int count) {
  rng random(seed);
  std::vector<std::int64_t> drawn;
  for (int attempt = 1; attempt <= count; ++attempt) {
    drawn.push_back(backoff_delay_ms(attempt, config, random));
  }
  return drawn;
}

}  // namespace

TEST_CASE("the nominal backoff doubles from the base delay up to the cap") {
  const auto config = config_of(1000, 2.0, 10'000, 0.5);
  CHECK(nominal_backoff_ms(1, config) == 1000);
  CHECK(nominal_backoff_ms(2, config) == 2000);
  CHECK(nominal_backoff_ms(3, config) == 4000);
  CHECK(nominal_backoff_ms(4, config) == 8000);
  CHECK(nominal_backoff_ms(5, config) == 10'000);
  CHECK(nominal_backoff_ms(6, config) == 10'000);
}

TEST_CASE("the nominal backoff treats attempts below 1 as the first and saturates at the cap") {
  const auto config = config_of(1000, 3.0, 3'600'000, 0.5);
  CHECK(nominal_backoff_ms(0, config) == 1000);
  CHECK(nominal_backoff_ms(-5, config) == 1000);
  CHECK(nominal_backoff_ms(1000, config) == 3'600'000);
  CHECK(nominal_backoff_ms(1'000'000, config) == 3'600'000);
}

TEST_CASE("a jittered delay lies within [nominal * (1 - jitter), nominal] and spreads over it") {
  const auto config = config_of(1000, 2.0, 60'000, 0.5);
  rng random(7);
  std::vector<std::int64_t> drawn;
  for (int i = 0; i < 10'000; ++i) drawn.push_back(backoff_delay_ms(3, config, random));
  const auto [lowest, highest] = std::minmax_element(drawn.begin(), drawn.end());
  CHECK(*lowest >= 2000);
  CHECK(*highest <= 4000);
  // Uniform over 2001 values: 10,000 draws reach both ends of the range.
  CHECK(*lowest < 2100);
  CHECK(*highest > 3900);
  double sum = 0;
  for (auto delay : drawn) sum += static_cast<double>(delay);
  CHECK(sum / static_cast<double>(drawn.size()) == Approx(3000).epsilon(0.02));
}

TEST_CASE("jittered delays grow with the attempts and never pass the cap") {
  const auto config = config_of(1000, 2.0, 10'000, 0.5);
  rng random(11);
  for (int round = 0; round < 1000; ++round) {
    for (int attempt = 1; attempt <= 8; ++attempt) {
      const auto delay = backoff_delay_ms(attempt, config, random);
      const auto nominal = nominal_backoff_ms(attempt, config);
      CHECK(delay <= nominal);
      CHECK(delay >= nominal / 2);
      CHECK(delay <= config.max_delay_ms);
    }
  }
  // Each attempt's shortest delay is past the previous attempt's longest
  // until the cap: the fourth wait is at least 4 s, the first at most 1 s.
  CHECK(backoff_delay_ms(4, config, random) > backoff_delay_ms(1, config, random));
}

TEST_CASE("without jitter the delay is the nominal one") {
  const auto config = config_of(500, 1.5, 100'000, 0.0);
  rng random(3);
  CHECK(backoff_delay_ms(1, config, random) == 500);
  CHECK(backoff_delay_ms(2, config, random) == 750);
  CHECK(backoff_delay_ms(3, config, random) == 1125);
}

TEST_CASE("the same seed gives the same delays, another seed other delays") {
  const backoff_config config;
  CHECK(delays(42, config, 10) == delays(42, config, 10));
  CHECK(delays(42, config, 10) != delays(43, config, 10));
}

TEST_CASE("a backoff config with a bad field is refused, naming the field") {
  CHECK(check_backoff_config(backoff_config{}).ok());
  const auto refusal = [](const backoff_config& config) {
    auto checked = check_backoff_config(config);
    REQUIRE_FALSE(checked.ok());
    return checked.failure().message;
  };
  CHECK_THAT(refusal(config_of(0, 2.0, 1000, 0.5)), Contains("base_delay_ms"));
  CHECK_THAT(refusal(config_of(100, 0.5, 1000, 0.5)), Contains("multiplier"));
  CHECK_THAT(refusal(config_of(100, 2.0, 99, 0.5)), Contains("max_delay_ms"));
  CHECK_THAT(refusal(config_of(100, 2.0, 1000, 1.5)), Contains("jitter"));
  CHECK_THAT(refusal(config_of(100, 2.0, 1000, -0.1)), Contains("jitter"));
}
