#include "runtime/content/bandits.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace troupe::content {
namespace {

constexpr double smallest_shape = 1e-6;

double sample_gamma(double shape, policy::rng& random) {
  std::gamma_distribution<double> gamma(std::max(shape, smallest_shape), 1.0);
  return gamma(random);
}

}  // namespace

double sample_beta(double alpha, double beta, policy::rng& random) {
  const double x = sample_gamma(alpha, random);
  const double y = sample_gamma(beta, random);
  // Tiny shapes can underflow both draws to 0; the mean is the honest answer then.
  if (!(x + y > 0.0)) {
    const double a = std::max(alpha, smallest_shape);
    return a / (a + std::max(beta, smallest_shape));
  }
  return x / (x + y);
}

std::optional<std::size_t> draw_thompson(const std::vector<beta_arm>& arms, policy::rng& random) {
  if (arms.empty()) return std::nullopt;
  std::size_t best = 0;
  double best_draw = -1.0;
  for (std::size_t i = 0; i < arms.size(); ++i) {
    const double draw = sample_beta(arms[i].alpha, arms[i].beta, random);
    if (draw > best_draw) {
      best_draw = draw;
      best = i;
    }
  }
  return best;
}

std::vector<double> thompson_win_shares(const std::vector<beta_arm>& arms, policy::rng& random,
                                        int samples) {
  std::vector<double> shares(arms.size(), 0.0);
  if (arms.empty() || samples <= 0) return shares;
  for (int i = 0; i < samples; ++i) shares[*draw_thompson(arms, random)] += 1.0;
  for (double& share : shares) share /= samples;
  return shares;
}

std::optional<thompson_choice> choose_thompson(const std::vector<beta_arm>& arms,
                                               policy::rng& random, int propensity_samples) {
  const std::optional<std::size_t> chosen = draw_thompson(arms, random);
  if (!chosen) return std::nullopt;
  const int samples = std::max(propensity_samples, 0);
  const double wins = thompson_win_shares(arms, random, samples)[*chosen] * samples;
  return thompson_choice{*chosen, arms[*chosen].name, (1.0 + wins) / (1.0 + samples)};
}

beta_arm update_arm(beta_arm arm, double reward) {
  const double r = std::clamp(reward, 0.0, 1.0);
  arm.alpha += r;
  arm.beta += 1.0 - r;
  return arm;
}

std::optional<ucb_choice> choose_ucb1(const std::vector<slot_stats>& slots, double exploration) {
  if (slots.empty()) return std::nullopt;
  double total_pulls = 0;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].pulls <= 0) {
      return ucb_choice{i, slots[i].slot, std::numeric_limits<double>::infinity(), 1.0};
    }
    total_pulls += slots[i].pulls;
  }
  const double log_total = std::log(total_pulls);
  std::optional<ucb_choice> best;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const double pulls = slots[i].pulls;
    const double score = slots[i].reward_sum / pulls + exploration * std::sqrt(log_total / pulls);
    if (!best || score > best->score) best = ucb_choice{i, slots[i].slot, score, 1.0};
  }
  return best;
}

slot_stats update_slot(slot_stats slot, double reward) {
  ++slot.pulls;
  slot.reward_sum += reward;
  return slot;
}

}  // namespace troupe::content
