#include "generator.hpp"

#include <array>
#include <cmath>
#include <random>

namespace fake_llm {
namespace {

constexpr std::array<const char*, 40> words{
    "morning", "coffee",  "light",  "garden", "studio",   "travel", "ocean",    "story",
    "quiet",   "bright",  "simple", "honest", "little",   "window", "weekend",  "friends",
    "walk",    "city",    "market", "season", "fresh",    "bread",  "music",    "evening",
    "journal", "plants",  "sunset", "notes",  "practice", "craft",  "mountain", "river",
    "today",   "finally", "really", "always", "together", "new",    "slow",     "warm"};

}  // namespace

std::uint64_t text_hash(const std::string& text) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string completion(std::uint64_t seed, const std::string& prompt) {
  std::mt19937_64 engine(seed ^ text_hash(prompt));
  std::uniform_int_distribution<std::size_t> pick(0, words.size() - 1);
  std::uniform_int_distribution<int> length(4, 8);
  const int sentences = 2 + static_cast<int>(engine() % 2);
  std::string text;
  for (int s = 0; s < sentences; ++s) {
    const int count = length(engine);
    for (int w = 0; w < count; ++w) {
      std::string word = words[pick(engine)];
      if (w == 0) word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
      text += word;
      text += w + 1 == count ? "." : " ";
    }
    if (s + 1 < sentences) text += " ";
  }
  return text;
}

std::vector<double> embedding(std::uint64_t seed, const std::string& input, int dimension) {
  std::mt19937_64 engine(seed ^ (text_hash(input) * 31));
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> vector(static_cast<std::size_t>(dimension));
  double squares = 0.0;
  for (auto& component : vector) {
    component = normal(engine);
    squares += component * component;
  }
  const double norm = std::sqrt(squares);
  for (auto& component : vector) component /= norm;
  return vector;
}

long token_count(const std::string& text) {
  return std::max<long>(1, static_cast<long>((text.size() + 3) / 4));
}

}  // namespace fake_llm
