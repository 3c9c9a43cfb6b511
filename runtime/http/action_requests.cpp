#include "runtime/http/action_requests.hpp"

#include <boost/json.hpp>
#include <limits>

#include "runtime/http/handler_support.hpp"
#include "runtime/http/query.hpp"

namespace troupe::http {
namespace {

namespace json = boost::json;

std::optional<std::int64_t> integer_of(const json::value& value) {
  if (const auto* signed_value = value.if_int64()) return *signed_value;
  const auto* unsigned_value = value.if_uint64();
  if (unsigned_value &&
      *unsigned_value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return static_cast<std::int64_t>(*unsigned_value);
  }
  return std::nullopt;
}

result<std::string> required_text(const json::object& body, const char* name) {
  const auto* found = body.if_contains(name);
  if (found == nullptr) return error{"the body needs " + in_quotes(name)};
  if (!found->is_string() || found->get_string().empty())
    return error{in_quotes(name) + " must be a non-empty string"};
  return std::string(found->get_string());
}

// The integer field `name` within [min, max], nullopt when absent.
result<std::optional<int>> optional_int(const json::object& body, const char* name, int min,
                                        int max) {
  const auto* found = body.if_contains(name);
  if (found == nullptr) return std::optional<int>();
  const auto value = integer_of(*found);
  if (!value || *value < min || *value > max) {
    return error{in_quotes(name) + " must be an integer from " + std::to_string(min) + " to " +
                 std::to_string(max)};
  }
  return std::optional<int>(static_cast<int>(*value));
}

// `run_at`: epoch milliseconds (a number or its digits) or ISO-8601 UTC text.
result<std::optional<std::int64_t>> optional_run_at(const json::object& body) {
  const auto* found = body.if_contains("run_at");
  if (found == nullptr) return std::optional<std::int64_t>();
  if (found->is_number()) {
    if (auto ms = integer_of(*found)) return std::optional<std::int64_t>(*ms);
  } else if (found->is_string()) {
    auto ms = parse_timestamp_ms(found->get_string());
    if (!ms) return error{"'run_at': " + ms.failure().message};
    return std::optional<std::int64_t>(*ms);
  }
  return error{
      "'run_at' must be epoch milliseconds or an ISO-8601 UTC time like 2026-11-27T10:00:00Z"};
}

}  // namespace

result<store::new_action> new_action_of(const json::object& body, int default_max_attempts) {
  auto known = only_known_fields(
      body, {"type", "payload", "idempotency_key", "priority", "run_at", "max_attempts"});
  if (!known) return known.failure();
  auto type = required_text(body, "type");
  if (!type) return type.failure();
  auto key = required_text(body, "idempotency_key");
  if (!key) return key.failure();
  // Adapters read named fields: a payload that is not an object (say, JSON
  // text encoded twice) is a client's mistake, caught here and not in DLQ.
  const auto* payload = body.if_contains("payload");
  if (payload == nullptr) return error{"the body needs 'payload' (a JSON object)"};
  if (!payload->is_object()) return error{"'payload' must be a JSON object"};
  auto priority = optional_int(body, "priority", std::numeric_limits<int>::min(),
                               std::numeric_limits<int>::max());
  if (!priority) return priority.failure();
  auto max_attempts = optional_int(body, "max_attempts", 1, std::numeric_limits<int>::max());
  if (!max_attempts) return max_attempts.failure();
  auto run_at = optional_run_at(body);
  if (!run_at) return run_at.failure();

  store::new_action wanted;
  wanted.type = std::move(*type);
  wanted.payload_json = json::serialize(*payload);
  wanted.idempotency_key = std::move(*key);
  wanted.priority = priority->value_or(0);
  wanted.run_at_ms = *run_at;
  wanted.max_attempts = max_attempts->value_or(default_max_attempts);
  return wanted;
}

bool is_action_batch(const json::object& body) { return body.contains("actions"); }

result<std::vector<store::new_action>> new_actions_of(const json::object& body,
                                                      int default_max_attempts) {
  auto known = only_known_fields(body, {"actions"});
  if (!known) return known.failure();
  const auto* items = body.at("actions").if_array();
  if (items == nullptr || items->empty())
    return error{"'actions' must be a non-empty array of actions"};
  if (items->size() > static_cast<std::size_t>(store::max_enqueue_batch)) {
    return error{"'actions' holds at most " + std::to_string(store::max_enqueue_batch) +
                 " actions, not " + std::to_string(items->size())};
  }
  std::vector<store::new_action> wanted;
  wanted.reserve(items->size());
  for (std::size_t index = 0; index < items->size(); ++index) {
    const std::string item = "actions[" + std::to_string(index) + "]: ";
    const auto* object = (*items)[index].if_object();
    if (object == nullptr) return error{item + "an action is a JSON object"};
    auto action = new_action_of(*object, default_max_attempts);
    if (!action) return error{item + action.failure().message};
    wanted.push_back(std::move(*action));
  }
  return wanted;
}

}  // namespace troupe::http
