// Text embeddings as plain values, and the local embedding the content
// pipeline falls back to when no embedding model is reachable.
//
// The local embedding ("local-ngram-v1", 512 floats) hashes the character
// 4-grams and 5-grams of a normalised text into 512 signed buckets and scales
// the result to unit length. It catches near-duplicates (a word changed,
// punctuation, case, spacing) but knows nothing of meaning. The hash is
// FNV-1a 64 (policy::fnv1a_64), so a vector is the same on every platform and
// run and can be stored beside vectors computed earlier.
//
// Pure functions of their arguments; safe to call from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::content {

// A vector and the model that produced it; vectors of different models are
// never compared.
struct embedding {
  std::string model;
  std::vector<float> values;
};

// The model name of local_embedding's vectors.
inline constexpr std::string_view local_embedding_model = "local-ngram-v1";
// The number of values of a local embedding.
inline constexpr std::size_t local_embedding_dimension = 512;

// Returns `text` as the local embedding reads it: ASCII letters lower-cased,
// ASCII punctuation and every whitespace run turned into one space, no
// leading or trailing space. Bytes >= 0x80 (UTF-8) are kept as they are.
std::string normalise_for_embedding(std::string_view text);

// Returns the local embedding of `text`: every 4-gram and 5-gram of bytes of
// padded = " " + normalise_for_embedding(text) + " " (padded itself when it
// is shorter than 4 bytes) adds +1 or -1 to one of 512 buckets (h = FNV-1a
// 64 of the gram: bucket = the top 9 bits of h, sign = bit 54, set meaning
// -1), then the vector is scaled to L2 norm 1. 4- and 5-grams rather than
// 3-grams keep common English fragments (" th", "he ") from making unrelated
// sentences look alike. A text with nothing left after normalisation gives
// the zero vector (comparable to nothing).
embedding local_embedding(std::string_view text);

// Returns the cosine similarity of `a` and `b` in [-1, 1], or nullopt when
// they cannot be compared: different models, different dimensions, no
// values, or a zero vector.
std::optional<double> cosine(const embedding& a, const embedding& b);

}  // namespace troupe::content
