// The local hashed n-gram embedding and cosine similarity.
#include "runtime/content/embedding.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/policy/rng.hpp"

using namespace troupe::content;

namespace {

double l2_norm(const embedding& vector) {
  double sum = 0;
  for (const float value : vector.values) sum += double(value) * value;
  return std::sqrt(sum);
}

double local_cosine(const std::string& a, const std::string& b) {
  return cosine(local_embedding(a), local_embedding(b)).value();
}

const std::string base_sentence =
    "Our new release makes the scheduler twice as fast on small servers, and the memory use "
    "drops by a third.";

}  // namespace

TEST_CASE("the local embedding is 512 floats of model local-ngram-v1 with L2 norm 1",
          "[embedding]") {
  const embedding vector = local_embedding(base_sentence);
  CHECK(vector.model == "local-ngram-v1");
  CHECK(vector.model == local_embedding_model);
  CHECK(vector.values.size() == 512);
  CHECK(l2_norm(vector) == Approx(1.0).epsilon(1e-6));
  CHECK(l2_norm(local_embedding("ok")) == Approx(1.0).epsilon(1e-6));
  CHECK(l2_norm(local_embedding("a")) == Approx(1.0).epsilon(1e-6));  // " a " is one gram
}

TEST_CASE("the local embedding is the same for the same text on every call", "[embedding]") {
  CHECK(local_embedding(base_sentence).values == local_embedding(base_sentence).values);
}

TEST_CASE("the local embedding follows its documented FNV-1a bucket and sign rule", "[embedding]") {
  // " abcd " has the 4-grams " abc", "abcd", "bcd " and the 5-grams " abcd", "abcd ".
  std::vector<double> expected(512, 0.0);
  for (const char* gram : {" abc", "abcd", "bcd ", " abcd", "abcd "}) {
    const std::uint64_t hash = troupe::policy::fnv1a_64(gram);
    expected[hash >> 55] += ((hash >> 54) & 1U) != 0 ? -1.0 : 1.0;
  }
  double norm = 0;
  for (const double value : expected) norm += value * value;
  norm = std::sqrt(norm);
  const embedding vector = local_embedding("ABCD!");
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("bucket " << i);
    CHECK(vector.values[i] == Approx(expected[i] / norm));
  }
}

TEST_CASE("normalisation lower-cases, drops punctuation and collapses whitespace", "[embedding]") {
  CHECK(normalise_for_embedding("  Hello,   WORLD!\n\tBye... ") == "hello world bye");
  CHECK(normalise_for_embedding("?!  ") == "");
  CHECK(normalise_for_embedding("café Ünïcode") == "café Ünïcode");
}

TEST_CASE("a text with nothing left after normalisation is the zero vector, comparable to nothing",
          "[embedding]") {
  const embedding empty = local_embedding(" ... ");
  CHECK(empty.values.size() == 512);
  CHECK(l2_norm(empty) == 0.0);
  CHECK_FALSE(cosine(empty, local_embedding(base_sentence)).has_value());
  CHECK_FALSE(cosine(empty, empty).has_value());
}

TEST_CASE("near-duplicates score above 0.85", "[embedding]") {
  CHECK(local_cosine(base_sentence, base_sentence) == Approx(1.0));
  SECTION("one word changed") {
    CHECK(local_cosine(base_sentence,
                       "Our new release makes the scheduler twice as fast on tiny servers, and the "
                       "memory use drops by a third.") > 0.85);
  }
  SECTION("punctuation changed") {
    CHECK(local_cosine(base_sentence,
                       "Our new release makes the scheduler twice as fast on small servers; and "
                       "the memory use drops by a third!!") > 0.85);
  }
  SECTION("case and spacing changed") {
    CHECK(local_cosine(base_sentence,
                       "OUR NEW RELEASE makes the   scheduler twice as fast on small servers,\nand "
                       "the memory use drops by a third.") > 0.85);
  }
}

TEST_CASE("unrelated texts score below 0.85", "[embedding]") {
  const char* const others[] = {
      "Three tips for brewing better coffee at home: grind fresh, weigh your beans, mind the "
      "water.",
      "The hiking trail along the northern ridge closes for winter from the first of November.",
      "We are hiring two backend engineers who enjoy distributed systems and good tests.",
  };
  for (const char* other : others) {
    INFO(other);
    CHECK(local_cosine(base_sentence, other) < 0.85);
    CHECK(local_cosine(base_sentence, other) < 0.5);
  }
}

TEST_CASE("cosine compares only vectors of one model and one dimension", "[embedding]") {
  const embedding local = local_embedding(base_sentence);
  embedding remote = local;
  remote.model = "text-embedding-3-small";
  CHECK_FALSE(cosine(local, remote).has_value());
  CHECK(cosine(remote, remote).value() == Approx(1.0));

  const embedding short_vector{"m", {1.0F, 0.0F}};
  const embedding long_vector{"m", {1.0F, 0.0F, 0.0F}};
  CHECK_FALSE(cosine(short_vector, long_vector).has_value());
  CHECK_FALSE(cosine(embedding{"m", {}}, embedding{"m", {}}).has_value());
  CHECK_FALSE(cosine(embedding{"m", {0.0F, 0.0F}}, short_vector).has_value());
}

TEST_CASE("cosine is the normalised dot product", "[embedding]") {
  const embedding a{"m", {1.0F, 0.0F}};
  const embedding b{"m", {1.0F, 1.0F}};
  const embedding c{"m", {-2.0F, 0.0F}};
  CHECK(cosine(a, b).value() == Approx(std::sqrt(0.5)));
  CHECK(cosine(a, c).value() == Approx(-1.0));
  CHECK(cosine(b, b).value() == Approx(1.0));
}
