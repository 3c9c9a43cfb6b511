#include "runtime/llm/openai_wire.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <utility>

namespace troupe::llm {
namespace {

namespace json = boost::json;

std::optional<json::value> parse_json(const std::string& body) {
  boost::system::error_code failure;
  auto parsed = json::parse(body, failure);
  if (failure) return std::nullopt;
  return parsed;
}

std::int64_t count_at(const json::object& usage, const char* key) {
  const auto* value = usage.if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_int64()) return value->as_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->as_uint64());
  return 0;
}

token_usage usage_of(const json::object& response) {
  token_usage usage;
  const auto* block = response.if_contains("usage");
  if (block == nullptr || !block->is_object()) return usage;
  usage.prompt_tokens = count_at(block->as_object(), "prompt_tokens");
  usage.completion_tokens = count_at(block->as_object(), "completion_tokens");
  usage.total_tokens = count_at(block->as_object(), "total_tokens");
  if (usage.total_tokens == 0) usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  return usage;
}

std::string id_of(const json::object& response) {
  const auto* id = response.if_contains("id");
  return id != nullptr && id->is_string() ? std::string(id->as_string()) : std::string();
}

std::optional<float> number_of(const json::value& value) {
  if (value.is_double()) return static_cast<float>(value.as_double());
  if (value.is_int64()) return static_cast<float>(value.as_int64());
  if (value.is_uint64()) return static_cast<float>(value.as_uint64());
  return std::nullopt;
}

std::optional<std::vector<float>> vector_of(const json::value& embedding) {
  if (!embedding.is_array()) return std::nullopt;
  std::vector<float> vector;
  vector.reserve(embedding.as_array().size());
  for (const auto& element : embedding.as_array()) {
    const auto number = number_of(element);
    if (!number) return std::nullopt;
    vector.push_back(*number);
  }
  return vector;
}

}  // namespace

std::string chat_body(const std::string& model, const chat_request& request) {
  json::array messages;
  for (const auto& message : request.messages) {
    messages.push_back(json::object{{"role", message.role}, {"content", message.content}});
  }
  json::object body{{"model", model}, {"messages", std::move(messages)}};
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.max_tokens) body["max_tokens"] = *request.max_tokens;
  return json::serialize(body);
}

std::string embeddings_body(const std::string& model, const std::vector<std::string>& inputs) {
  json::array input;
  for (const auto& text : inputs) input.push_back(json::string(text));
  return json::serialize(json::object{{"model", model}, {"input", std::move(input)}});
}

result<parsed_chat> parse_chat(const std::string& body) {
  const auto parsed = parse_json(body);
  if (!parsed || !parsed->is_object()) return error{"the response is not a JSON object"};
  const auto& response = parsed->as_object();
  const auto* choices = response.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->as_array().empty()) {
    return error{"the response has no choices"};
  }
  const auto& first = choices->as_array().front();
  const auto* message = first.is_object() ? first.as_object().if_contains("message") : nullptr;
  const auto* content = message != nullptr && message->is_object()
                            ? message->as_object().if_contains("content")
                            : nullptr;
  if (content == nullptr || !content->is_string()) {
    return error{"the response has no choices[0].message.content"};
  }
  return parsed_chat{std::string(content->as_string()), id_of(response), usage_of(response)};
}

result<parsed_embeddings> parse_embeddings(const std::string& body, std::size_t expected) {
  const auto parsed = parse_json(body);
  if (!parsed || !parsed->is_object()) return error{"the response is not a JSON object"};
  const auto& response = parsed->as_object();
  const auto* data = response.if_contains("data");
  if (data == nullptr || !data->is_array()) return error{"the response has no data"};
  std::vector<std::pair<std::int64_t, std::vector<float>>> indexed;
  std::int64_t position = 0;
  for (const auto& item : data->as_array()) {
    const auto* embedding = item.is_object() ? item.as_object().if_contains("embedding") : nullptr;
    auto vector = embedding != nullptr ? vector_of(*embedding) : std::nullopt;
    if (!vector) return error{"data[" + std::to_string(position) + "] has no numeric embedding"};
    const auto* index = item.as_object().if_contains("index");
    indexed.emplace_back(index != nullptr && index->is_int64() ? index->as_int64() : position,
                         std::move(*vector));
    ++position;
  }
  if (indexed.size() != expected) {
    return error{"expected " + std::to_string(expected) + " embeddings, got " +
                 std::to_string(indexed.size())};
  }
  std::stable_sort(indexed.begin(), indexed.end(),
                   [](const auto& left, const auto& right) { return left.first < right.first; });
  parsed_embeddings out{{}, id_of(response), usage_of(response)};
  for (auto& entry : indexed) out.vectors.push_back(std::move(entry.second));
  return out;
}

bool says_quota_exhausted(const std::string& body) {
  const auto parsed = parse_json(body);
  if (!parsed || !parsed->is_object()) return false;
  const auto* failure = parsed->as_object().if_contains("error");
  if (failure == nullptr || !failure->is_object()) return false;
  for (const char* key : {"code", "type"}) {
    const auto* value = failure->as_object().if_contains(key);
    if (value != nullptr && value->is_string() && value->as_string() == "insufficient_quota") {
      return true;
    }
  }
  return false;
}

}  // namespace troupe::llm
