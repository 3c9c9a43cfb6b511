#include "runtime/driver/result_object.hpp"

#include <boost/json.hpp>

namespace troupe::driver {

std::optional<boost::json::object> result_object(const driver_outcome& outcome) {
  if (!outcome.result_json) return std::nullopt;
  boost::json::error_code problem;
  auto parsed = boost::json::parse(*outcome.result_json, problem);
  if (problem || !parsed.is_object()) return std::nullopt;
  return std::move(parsed.as_object());
}

std::string string_member(const boost::json::object& object, const char* name) {
  const auto* value = object.if_contains(name);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::optional<std::int64_t> count_member(const boost::json::object& object, const char* name) {
  const auto* value = object.if_contains(name);
  if (value == nullptr) return 0;
  if (value->is_int64() && value->as_int64() >= 0) return value->as_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->as_uint64());
  return std::nullopt;
}

}  // namespace troupe::driver
