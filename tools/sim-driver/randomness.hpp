// The simulated driver's only source of randomness: a SplitMix64 stream
// seeded from the seed knob and the invocation's identity, so the same seed
// and session always give the same behaviour, on every platform (no
// std::*_distribution, whose output is implementation-defined).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace troupe::sim_driver {

class randomness {
 public:
  // `identity` names the invocation: session id, profile, activity, verb...
  randomness(std::uint64_t seed, const std::string& identity) : state_(seed) {
    for (const unsigned char c : identity) state_ = (state_ ^ c) * 0x100000001b3ULL;  // FNV-1a
  }

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [low, high].
  std::int64_t between(std::int64_t low, std::int64_t high) {
    return low + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(high - low + 1));
  }

 private:
  std::uint64_t state_;
};

} // namespace troupe::sim_driver
