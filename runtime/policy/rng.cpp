#include "runtime/policy/rng.hpp"

#include <cmath>

namespace troupe::policy {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

constexpr double two_pi = 6.283185307179586476925286766559;

}  // namespace

rng::rng(std::uint64_t seed) {
  // splitmix64 spreads any seed (even 0) over the whole state; xoshiro must
  // never start from all zeros, which splitmix64's outputs cannot all be.
  for (auto& word : state_) word = splitmix64(seed);
}

rng::result_type rng::operator()() {
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

double rng::uniform01() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

std::int64_t rng::uniform_int(std::int64_t lo, std::int64_t hi) {
  if (hi <= lo) return lo;
  const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  if (span == max()) return static_cast<std::int64_t>((*this)());
  const std::uint64_t n = span + 1;
  // Reject the 2^64 mod n smallest draws so that every residue is equally likely.
  const std::uint64_t rejected_below = (0 - n) % n;
  std::uint64_t draw = (*this)();
  while (draw < rejected_below) draw = (*this)();
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + draw % n);
}

double standard_normal(rng& random) {
  // 1 - u lies in (0, 1], so the logarithm is finite.
  const double radius = std::sqrt(-2.0 * std::log(1.0 - random.uniform01()));
  return radius * std::cos(two_pi * random.uniform01());
}

std::uint64_t fnv1a_64(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::uint64_t derive_seed(std::uint64_t root_seed, std::string_view name) {
  // Mixing through splitmix64 keeps seeds of similar names (pod-1, pod-2) far apart.
  std::uint64_t x = root_seed ^ fnv1a_64(name);
  return splitmix64(x);
}

}  // namespace troupe::policy
