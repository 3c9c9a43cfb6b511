// Thompson sampling over content arms and UCB1 over timing slots.
#include "runtime/content/bandits.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <vector>

using namespace troupe::content;
using troupe::policy::rng;

namespace {

// Runs Thompson sampling for `rounds` pulls of Bernoulli arms with `rates`
// and returns the index of the most pulled arm.
std::size_t most_pulled_arm(const std::vector<double>& rates, int rounds, rng& random) {
  std::vector<beta_arm> arms(rates.size());
  std::vector<int> pulls(rates.size(), 0);
  for (int round = 0; round < rounds; ++round) {
    const std::size_t arm = draw_thompson(arms, random).value();
    ++pulls[arm];
    arms[arm] = update_arm(arms[arm], random.uniform01() < rates[arm] ? 1.0 : 0.0);
  }
  return static_cast<std::size_t>(std::max_element(pulls.begin(), pulls.end()) - pulls.begin());
}

}  // namespace

TEST_CASE("Thompson sampling finds the best of 5 Bernoulli arms in at least 90 % of runs",
          "[thompson]") {
  // The best arm is only 0.15 above the next; its position changes every run.
  const std::vector<double> base_rates = {0.10, 0.20, 0.30, 0.40, 0.55};
  constexpr int runs = 200;
  constexpr int rounds = 500;
  int found = 0;
  for (int run = 0; run < runs; ++run) {
    rng random{troupe::policy::derive_seed(2024, "thompson-run-" + std::to_string(run))};
    std::vector<double> rates = base_rates;
    std::shuffle(rates.begin(), rates.end(), random);
    const auto best =
        static_cast<std::size_t>(std::max_element(rates.begin(), rates.end()) - rates.begin());
    found += most_pulled_arm(rates, rounds, random) == best ? 1 : 0;
  }
  INFO("found the best arm in " << found << " of " << runs << " runs");
  CHECK(found >= runs * 9 / 10);
}

TEST_CASE("a Thompson choice's propensity matches how often the arm is chosen", "[thompson]") {
  const std::vector<beta_arm> arms = {{"how-to", 12, 8},
                                      {"story", 10, 10},
                                      {"hot-take", 7, 5},
                                      {"question", 3, 3},
                                      {"news", 20, 20}};
  rng random{77};
  constexpr int choices = 2000;
  std::vector<int> chosen(arms.size(), 0);
  std::vector<double> propensity_sum(arms.size(), 0.0);
  for (int i = 0; i < choices; ++i) {
    const thompson_choice choice = choose_thompson(arms, random, 250).value();
    CHECK(choice.name == arms[choice.index].name);
    CHECK(choice.propensity > 0.0);
    CHECK(choice.propensity <= 1.0);
    ++chosen[choice.index];
    propensity_sum[choice.index] += choice.propensity;
  }
  bool differs_from_uniform = false;
  for (std::size_t arm = 0; arm < arms.size(); ++arm) {
    INFO(arms[arm].name << " chosen " << chosen[arm] << " times");
    REQUIRE(chosen[arm] > 0);
    const double frequency = double(chosen[arm]) / choices;
    const double logged = propensity_sum[arm] / chosen[arm];
    CHECK(logged == Approx(frequency).margin(0.05));
    differs_from_uniform = differs_from_uniform || std::abs(logged - 0.2) > 0.05;
  }
  CHECK(differs_from_uniform);  // not 1/n
}

TEST_CASE("Thompson choices are the same for the same seed", "[thompson]") {
  const std::vector<beta_arm> arms = {{"a", 2, 3}, {"b", 5, 1}, {"c", 1, 1}};
  rng first{9};
  rng second{9};
  for (int i = 0; i < 20; ++i) {
    const thompson_choice x = choose_thompson(arms, first, 50).value();
    const thompson_choice y = choose_thompson(arms, second, 50).value();
    CHECK(x.index == y.index);
    CHECK(x.propensity == y.propensity);
  }
}

TEST_CASE("Beta draws lie in [0, 1] around alpha / (alpha + beta)", "[thompson]") {
  rng random{5};
  double sum = 0;
  for (int i = 0; i < 4000; ++i) {
    const double draw = sample_beta(3, 7, random);
    REQUIRE(draw >= 0.0);
    REQUIRE(draw <= 1.0);
    sum += draw;
  }
  CHECK(sum / 4000 == Approx(0.3).margin(0.01));
  const double tiny = sample_beta(0, -1, random);  // read as 1e-6 each
  CHECK(tiny >= 0.0);
  CHECK(tiny <= 1.0);
}

TEST_CASE("a reward moves alpha by r and beta by 1 - r, clamped to [0, 1]", "[thompson]") {
  const beta_arm arm{"how-to", 2, 3};
  const beta_arm rewarded = update_arm(arm, 0.25);
  CHECK(rewarded.name == "how-to");
  CHECK(rewarded.alpha == Approx(2.25));
  CHECK(rewarded.beta == Approx(3.75));
  CHECK(update_arm(arm, 4.0).alpha == Approx(3.0));
  CHECK(update_arm(arm, 4.0).beta == Approx(3.0));
  CHECK(update_arm(arm, -1.0).beta == Approx(4.0));
}

TEST_CASE("without arms there is no Thompson choice", "[thompson]") {
  rng random{1};
  CHECK_FALSE(choose_thompson({}, random).has_value());
  CHECK_FALSE(draw_thompson({}, random).has_value());
  CHECK(thompson_win_shares({}, random, 10).empty());
  const std::vector<beta_arm> one = {{"only"}};
  const thompson_choice choice = choose_thompson(one, random).value();
  CHECK(choice.index == 0);
  CHECK(choice.propensity == 1.0);
}

TEST_CASE("UCB1 picks the first slot never pulled", "[ucb1]") {
  const std::vector<slot_stats> slots = {{"09:00", 3, 2.0}, {"13:00", 0, 0}, {"18:00", 0, 0}};
  const ucb_choice choice = choose_ucb1(slots).value();
  CHECK(choice.index == 1);
  CHECK(choice.slot == "13:00");
  CHECK(std::isinf(choice.score));
  CHECK(choice.propensity == 1.0);
}

TEST_CASE("UCB1 picks the best mean once every slot has enough pulls", "[ucb1]") {
  const std::vector<slot_stats> slots = {
      {"09:00", 100, 30}, {"13:00", 100, 60}, {"18:00", 100, 45}};
  const ucb_choice choice = choose_ucb1(slots).value();
  CHECK(choice.slot == "13:00");
  CHECK(choice.score == Approx(0.6 + std::sqrt(2.0) * std::sqrt(std::log(300.0) / 100)));
  CHECK(choice.propensity == 1.0);
}

TEST_CASE("UCB1 explores a slot with few pulls over a better-known one", "[ucb1]") {
  const std::vector<slot_stats> slots = {{"09:00", 200, 120}, {"21:00", 2, 0.8}};
  CHECK(choose_ucb1(slots).value().slot == "21:00");  // 0.4 + 2.3 beats 0.6 + 0.23
  CHECK(choose_ucb1(slots, 0.0).value().slot == "09:00");
}

TEST_CASE("UCB1 settles on the best slot over many rounds", "[ucb1]") {
  const std::vector<double> rates = {0.2, 0.5, 0.3};
  std::vector<slot_stats> slots = {{"09:00"}, {"13:00"}, {"18:00"}};
  rng random{11};
  for (int round = 0; round < 3000; ++round) {
    const std::size_t slot = choose_ucb1(slots).value().index;
    slots[slot] = update_slot(slots[slot], random.uniform01() < rates[slot] ? 1.0 : 0.0);
  }
  CHECK(slots[1].pulls > slots[0].pulls + slots[2].pulls);
  CHECK(slots[0].pulls + slots[1].pulls + slots[2].pulls == 3000);
}

TEST_CASE("without slots there is no UCB1 choice", "[ucb1]") {
  CHECK_FALSE(choose_ucb1({}).has_value());
}
