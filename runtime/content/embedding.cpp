#include "runtime/content/embedding.hpp"

#include <Eigen/Core>
#include <cmath>
#include <cstdint>

#include "runtime/content/ascii.hpp"
#include "runtime/policy/rng.hpp"

namespace troupe::content {
namespace {

constexpr int bucket_bits = 9;  // 2^9 = local_embedding_dimension
static_assert(std::size_t{1} << bucket_bits == local_embedding_dimension);
constexpr int sign_bit = 63 - bucket_bits;

bool is_ascii_punctuation(unsigned char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
         (c >= '{' && c <= '~');
}

// Adds +1 or -1 to the bucket of every gram of `size` bytes of `padded`.
void add_grams(std::string_view padded, std::size_t size, std::vector<float>& buckets) {
  if (padded.size() < size) return;
  for (std::size_t start = 0; start + size <= padded.size(); ++start) {
    const std::uint64_t hash = policy::fnv1a_64(padded.substr(start, size));
    const std::size_t bucket = static_cast<std::size_t>(hash >> (64 - bucket_bits));
    buckets[bucket] += ((hash >> sign_bit) & 1U) != 0 ? -1.0F : 1.0F;
  }
}

}  // namespace

std::string normalise_for_embedding(std::string_view text) {
  std::string normalised;
  normalised.reserve(text.size());
  bool pending_space = false;
  for (const unsigned char c : text) {
    if (is_ascii_space(c) || is_ascii_punctuation(c)) {
      pending_space = !normalised.empty();
      continue;
    }
    if (pending_space) normalised.push_back(' ');
    pending_space = false;
    normalised.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a')
                                              : static_cast<char>(c));
  }
  return normalised;
}

embedding local_embedding(std::string_view text) {
  embedding result{std::string(local_embedding_model),
                   std::vector<float>(local_embedding_dimension, 0.0F)};
  const std::string normalised = normalise_for_embedding(text);
  if (normalised.empty()) return result;
  const std::string padded = " " + normalised + " ";
  if (padded.size() < 4) {
    add_grams(padded, padded.size(), result.values);
  } else {
    add_grams(padded, 4, result.values);
    add_grams(padded, 5, result.values);
  }
  Eigen::Map<Eigen::VectorXf> values(result.values.data(),
                                     static_cast<Eigen::Index>(result.values.size()));
  const float norm = values.norm();
  // Grams can cancel out in their buckets; a zero sum stays the zero vector.
  if (norm > 0.0F) values /= norm;
  return result;
}

std::optional<double> cosine(const embedding& a, const embedding& b) {
  if (a.model != b.model || a.values.size() != b.values.size() || a.values.empty()) {
    return std::nullopt;
  }
  const auto size = static_cast<Eigen::Index>(a.values.size());
  const Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXf>(a.values.data(), size).cast<double>();
  const Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXf>(b.values.data(), size).cast<double>();
  const double norms = x.norm() * y.norm();
  if (!(norms > 0.0) || !std::isfinite(norms)) return std::nullopt;
  const double similarity = x.dot(y) / norms;
  // Rounding can step just outside [-1, 1].
  return similarity > 1.0 ? 1.0 : (similarity < -1.0 ? -1.0 : similarity);
}

}  // namespace troupe::content
