#include "runtime/store/json_int_map.hpp"

#include <boost/json.hpp>

namespace troupe::store {

std::string int_map_to_json(const int_map& values) {
  boost::json::object object;
  for (const auto& [name, value] : values) object[name] = value;
  return boost::json::serialize(object);
}

result<int_map> int_map_from_json(std::string_view text, const std::string& column) {
  const auto invalid = [&] {
    return error{column + " is not a JSON object of integers: " + std::string(text)};
  };
  boost::json::error_code parse_error;
  const auto parsed = boost::json::parse(text, parse_error);
  if (parse_error || !parsed.is_object()) return invalid();
  int_map values;
  for (const auto& [name, value] : parsed.get_object()) {
    // Boost.JSON reads every integer that fits into int64 as an int64.
    if (!value.is_int64()) return invalid();
    values[std::string(name)] = value.get_int64();
  }
  return values;
}

}  // namespace troupe::store
