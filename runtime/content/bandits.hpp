// The bandits of the plan and reply jobs: Thompson sampling over content arms
// (Beta posteriors of a reward in [0, 1]) and UCB1 over timing slots. Each
// choice carries the propensity to log with the decision, so rewards can
// later be reweighted off-policy.
//
// Pure functions; randomness comes only from the caller's generator, so a
// choice is reproducible for a seed (with one standard library: the Gamma
// draws use std::gamma_distribution). Safe to call from any thread with
// distinct generators.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "runtime/policy/rng.hpp"

namespace troupe::content {

// A content arm's Beta(alpha, beta) posterior; Beta(1, 1) is the uniform prior.
// alpha and beta are meant to be > 0; smaller values are read as 1e-6.
struct beta_arm {
  std::string name;
  double alpha = 1;
  double beta = 1;
};

// A Thompson choice: the arm and the probability that a Thompson draw picks it.
struct thompson_choice {
  std::size_t index = 0;
  std::string name;
  double propensity = 0;
};

// Returns a draw of Beta(alpha, beta), as X / (X + Y) with X ~ Gamma(alpha),
// Y ~ Gamma(beta).
double sample_beta(double alpha, double beta, policy::rng& random);

// Returns the index of the arm with the largest Beta draw (one Thompson draw;
// the first on ties), or nullopt without arms.
std::optional<std::size_t> draw_thompson(const std::vector<beta_arm>& arms, policy::rng& random);

// Returns, per arm, the share of `samples` Thompson draws it wins: a
// Monte-Carlo estimate of the probability that a draw picks it. All zeros
// when samples <= 0.
std::vector<double> thompson_win_shares(const std::vector<beta_arm>& arms, policy::rng& random,
                                        int samples);

// Returns one Thompson draw and its propensity, or nullopt without arms. The
// propensity counts the choosing draw with `propensity_samples` further draws:
// (1 + wins) / (1 + propensity_samples), an estimate of P(the arm wins) that
// is never 0 for the chosen arm.
std::optional<thompson_choice> choose_thompson(const std::vector<beta_arm>& arms,
                                               policy::rng& random, int propensity_samples = 1000);

// Returns `arm` after observing `reward` (clamped to [0, 1]): alpha += reward,
// beta += 1 - reward.
beta_arm update_arm(beta_arm arm, double reward);

// A timing slot's record: how often it was chosen and the rewards it earned.
// Slots are plain names (e.g. "09:00"); the job maps them to times.
struct slot_stats {
  std::string slot;
  int pulls = 0;
  double reward_sum = 0;
};

// A UCB1 choice. UCB1 is deterministic given the stats, so the propensity is 1.
struct ucb_choice {
  std::size_t index = 0;
  std::string slot;
  double score = 0;  // mean + bonus; +infinity for a slot never pulled
  double propensity = 1;
};

inline constexpr double ucb1_default_exploration = 1.4142135623730951;  // sqrt(2)

// Returns the UCB1 choice, or nullopt without slots: the first slot never
// pulled, else the slot with the largest mean + exploration x sqrt(ln N / n)
// (N = all pulls, n = the slot's pulls; the first on ties).
std::optional<ucb_choice> choose_ucb1(const std::vector<slot_stats>& slots,
                                      double exploration = ucb1_default_exploration);

// Returns `slot` after one more pull that earned `reward`.
slot_stats update_slot(slot_stats slot, double reward);

}  // namespace troupe::content
