// The OpenAI wire format of chat completions and embeddings: request bodies
// built and response bodies parsed, as plain values (the JSON library stays
// in the .cpp). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/llm/usage.hpp"
#include "runtime/result.hpp"

namespace troupe::llm {

struct chat_message {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
};

struct chat_request {
  std::vector<chat_message> messages;
  std::string model;  // empty = the client's chat model
  std::optional<double> temperature;
  std::optional<int> max_tokens;
};

struct parsed_chat {
  std::string content;  // choices[0].message.content
  std::string id;       // empty when absent
  token_usage usage;
};

struct parsed_embeddings {
  std::vector<std::vector<float>> vectors;  // data[i].embedding, ordered by data[i].index
  std::string id;
  token_usage usage;
};

// {"model":..., "messages":[...], "temperature":..., "max_tokens":...}
std::string chat_body(const std::string& model, const chat_request& request);

// {"model":..., "input":[...]}
std::string embeddings_body(const std::string& model, const std::vector<std::string>& inputs);

// Fails, saying what is missing, on a body that is not JSON or lacks the
// content; usage and id are optional.
result<parsed_chat> parse_chat(const std::string& body);

// Fails on a body that is not JSON, lacks `data`, or holds a non-numeric
// embedding or a count of vectors other than `expected`.
result<parsed_embeddings> parse_embeddings(const std::string& body, std::size_t expected);

// Returns true iff an error body says the account's quota is exhausted
// (error.code or error.type "insufficient_quota").
bool says_quota_exhausted(const std::string& body);

}  // namespace troupe::llm
