// A small, seedable pseudo-random generator for the smart runner's decisions:
// xoshiro256** (32 bytes of state) seeded through splitmix64. Each actor owns
// one, seeded from the run's root seed and the actor's name, so a simulation
// is reproducible and a per-account generator stays small (a
// std::mt19937_64 would cost ~2.5 KB per actor, see sim-baseline/).
//
// `rng` satisfies UniformRandomBitGenerator, so <random> distributions work
// with it. A value type; not thread-safe (one generator per actor).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace troupe::policy {

class rng {
 public:
  using result_type = std::uint64_t;

  // The same seed always yields the same sequence.
  explicit rng(std::uint64_t seed);

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }

  // Returns the next 64 random bits.
  result_type operator()();

  // Returns a uniform double in [0, 1) with 53 random bits.
  double uniform01();

  // Returns a uniform integer in [lo, hi], both inclusive, without modulo
  // bias. Returns lo when hi <= lo.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);

 private:
  std::array<std::uint64_t, 4> state_;
};

// Returns a standard normal deviate N(0, 1) (Box-Muller; one draw per call,
// so the generator stays the only state).
double standard_normal(rng& random);

// Returns the 64-bit FNV-1a hash of `text`: stable across runs, compilers and
// platforms, unlike std::hash.
std::uint64_t fnv1a_64(std::string_view text);

// Returns the seed of the actor called `name` in a run seeded with `root_seed`:
// different names give unrelated seeds, the same pair always the same seed.
std::uint64_t derive_seed(std::uint64_t root_seed, std::string_view name);

}  // namespace troupe::policy
