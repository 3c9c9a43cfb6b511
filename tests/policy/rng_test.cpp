#include "runtime/policy/rng.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <limits>
#include <map>
#include <random>
#include <type_traits>
#include <vector>

using troupe::policy::derive_seed;
using troupe::policy::fnv1a_64;
using troupe::policy::rng;

namespace {

std::vector<std::uint64_t> first_draws(rng random, int n) {
  std::vector<std::uint64_t> draws;
  for (int i = 0; i < n; ++i) draws.push_back(random());
  return draws;
}

}  // namespace

TEST_CASE("the same seed always yields the same sequence", "[rng]") {
  CHECK(first_draws(rng{42}, 100) == first_draws(rng{42}, 100));
  CHECK(first_draws(rng{42}, 100) != first_draws(rng{43}, 100));
  CHECK(first_draws(rng{0}, 4) != std::vector<std::uint64_t>(4, 0));
}

TEST_CASE("a generator keeps 32 bytes of state and works with <random>", "[rng]") {
  STATIC_REQUIRE(sizeof(rng) == 32);
  rng random{7};
  std::uniform_int_distribution<int> die(1, 6);
  std::vector<int> rolls;
  for (int i = 0; i < 600; ++i) rolls.push_back(die(random));
  CHECK(*std::min_element(rolls.begin(), rolls.end()) == 1);
  CHECK(*std::max_element(rolls.begin(), rolls.end()) == 6);
  std::vector<int> deck{1, 2, 3, 4, 5, 6, 7, 8};
  std::shuffle(deck.begin(), deck.end(), random);
  CHECK(std::is_permutation(deck.begin(), deck.end(),
                            std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8}.begin()));
}

TEST_CASE("uniform01 stays at or above 0 and below 1 and averages one half", "[rng]") {
  rng random{11};
  double sum = 0;
  for (int i = 0; i < 100'000; ++i) {
    const double u = random.uniform01();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
  }
  CHECK(sum / 100'000 == Approx(0.5).margin(0.005));
}

TEST_CASE("uniform_int reaches both inclusive bounds, equally often as the inside", "[rng]") {
  rng random{3};
  std::map<std::int64_t, int> seen;
  for (int i = 0; i < 70'000; ++i) seen[random.uniform_int(-3, 3)] += 1;
  REQUIRE(seen.size() == 7);
  CHECK(seen.begin()->first == -3);
  CHECK(seen.rbegin()->first == 3);
  for (const auto& [value, times] : seen) {
    INFO("value " << value);
    CHECK(times == Approx(10'000).epsilon(0.05));
  }
  CHECK(random.uniform_int(5, 5) == 5);
  CHECK(random.uniform_int(9, 2) == 9);
  // The full range must not overflow the span computation.
  const auto full = random.uniform_int(std::numeric_limits<std::int64_t>::min(),
                                       std::numeric_limits<std::int64_t>::max());
  CHECK(random.uniform_int(full, full) == full);
}

TEST_CASE("uniform_int has no modulo bias even when the range is most of 2^64", "[rng]") {
  // The range [min, max / 3] holds n ~ 2/3 x 2^64 values; plain `draw % n`
  // would give its lower half 2/3 of the draws instead of 1/2.
  rng random{19};
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  const std::int64_t hi = std::numeric_limits<std::int64_t>::max() / 3;
  const std::int64_t middle = lo / 2 + hi / 2;
  int lower_half = 0;
  for (int i = 0; i < 20'000; ++i) lower_half += random.uniform_int(lo, hi) < middle ? 1 : 0;
  CHECK(lower_half / 20'000.0 == Approx(0.5).margin(0.02));
}

TEST_CASE("FNV-1a is the standard 64-bit hash, not std::hash", "[rng]") {
  CHECK(fnv1a_64("") == 0xcbf29ce484222325ULL);
  CHECK(fnv1a_64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(fnv1a_64("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("derived seeds are stable per name and differ between names and roots", "[rng]") {
  CHECK(derive_seed(42, "account:profile-a1") == derive_seed(42, "account:profile-a1"));
  CHECK(derive_seed(42, "account:profile-a1") != derive_seed(42, "account:profile-a2"));
  CHECK(derive_seed(42, "account:profile-a1") != derive_seed(43, "account:profile-a1"));
  CHECK(first_draws(rng{derive_seed(42, "pod:podA")}, 8) !=
        first_draws(rng{derive_seed(42, "pod:podB")}, 8));
}
