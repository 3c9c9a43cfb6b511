#include "runtime/policy/burst.hpp"

#include <catch2/catch.hpp>

#include "policy_fixtures.hpp"

using namespace troupe::policy;
using namespace troupe::policy::testing;
using troupe::account_state;
using troupe::config::troupe_config;

namespace {

double burst_share(const account_state& state, const troupe_config& config,
                   const troupe::config::mood_config* mood, int draws) {
  rng random{31};
  int bursts = 0;
  for (int i = 0; i < draws; ++i) bursts += decide_burst(state, config, mood, random) == burst_draw::bursts ? 1 : 0;
  return double(bursts) / draws;
}

}  // namespace

TEST_CASE("the burst probability is probability x mood.burst x energy", "[burst]") {
  const troupe_config config;
  const auto* morning = mood_at(config.moods, 8 * 60);  // MorningRush, burst 1.5
  REQUIRE(morning->name == "MorningRush");
  account_state state;
  state.energy = 0.76;
  CHECK(burst_probability(state, config.bursts, morning) == Approx(0.10 * 1.5 * 0.76));
  CHECK(burst_probability(state, config.bursts, nullptr) == Approx(0.10 * 0.76));
  CHECK(burst_share(state, config, morning, 40'000) == Approx(0.114).margin(0.006));
}

TEST_CASE("a tired account bursts less, an exhausted one never", "[burst]") {
  const troupe_config config;
  account_state rested;
  rested.energy = 1.0;
  account_state exhausted;
  exhausted.energy = 0.0;
  CHECK(burst_share(rested, config, nullptr, 20'000) == Approx(0.10).margin(0.008));
  CHECK(burst_share(exhausted, config, nullptr, 2'000) == 0.0);
}

TEST_CASE("disabled bursts never happen", "[burst]") {
  troupe_config config;
  config.bursts.enabled = false;
  config.bursts.probability = 1.0;
  account_state state;
  state.energy = 1.0;
  CHECK(burst_probability(state, config.bursts, nullptr) == 0.0);
  CHECK(burst_share(state, config, nullptr, 1'000) == 0.0);
}

TEST_CASE("a probability above 1 is a certainty, not an error", "[burst]") {
  troupe_config config;
  config.bursts.probability = 0.9;
  troupe::config::mood_config eager;
  eager.burst = 3.0;
  account_state state;
  state.energy = 1.0;
  CHECK(burst_probability(state, config.bursts, &eager) == 1.0);
  CHECK(burst_share(state, config, &eager, 1'000) == 1.0);
}

TEST_CASE("a possible burst the draw refuses is denied, an impossible one draws nothing", "[burst]") {
  troupe_config config;
  config.bursts.probability = 0.5;
  account_state state;
  state.energy = 1.0;
  rng random{7};
  int denied = 0, bursts = 0;
  for (int i = 0; i < 1'000; ++i) {
    const auto draw = decide_burst(state, config, nullptr, random);
    denied += draw == burst_draw::denied ? 1 : 0;
    bursts += draw == burst_draw::bursts ? 1 : 0;
  }
  CHECK(denied + bursts == 1'000);
  CHECK(denied > 400);
  CHECK(bursts > 400);
  account_state exhausted;
  exhausted.energy = 0.0;
  rng untouched{7}, reference{7};
  CHECK(decide_burst(exhausted, config, nullptr, untouched) == burst_draw::impossible);
  CHECK(untouched.uniform01() == reference.uniform01());  // no draw was consumed
}

TEST_CASE("a burst session becomes eligible gapMs after the first ended", "[burst]") {
  const troupe::config::bursts_config bursts;  // gapMs 30 s
  CHECK(burst_next_eligible(utc_ms(2024, 5, 15, 12, 0), bursts) ==
        utc_ms(2024, 5, 15, 12, 0) + 30'000);
}
