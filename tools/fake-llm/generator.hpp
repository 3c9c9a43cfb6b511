// Deterministic content of the fake LLM server: a completion is a few
// sentences drawn from a small word list by a generator seeded with the
// server's seed and a hash of the prompt (so different prompts give
// different texts, the same prompt the same text); an embedding is an
// L2-normalised vector seeded likewise by the input. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fake_llm {

// FNV-1a of `text`.
std::uint64_t text_hash(const std::string& text);

// Sentences of words from the word list, 8..24 words in all.
std::string completion(std::uint64_t seed, const std::string& prompt);

// A unit vector of `dimension` components.
std::vector<double> embedding(std::uint64_t seed, const std::string& input, int dimension);

// A plausible token count: one token per 4 characters, at least 1.
long token_count(const std::string& text);

}  // namespace fake_llm
