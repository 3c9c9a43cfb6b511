#include "runtime/store/json_int_map.hpp"

#include <boost/json.hpp>
#include <type_traits>

namespace troupe::store {

namespace {

template <class Map>
std::string named_ints_to_json(const Map& values) {
  boost::json::object object;
  for (const auto& [name, value] : values) object[std::string_view(name)] = value;
  return boost::json::serialize(object);
}

template <class Map>
result<Map> named_ints_from_json(std::string_view text, const std::string& column) {
  const auto invalid = [&] {
    return error{column + " is not a JSON object of integers: " + std::string(text)};
  };
  boost::json::error_code parse_error;
  const auto parsed = boost::json::parse(text, parse_error);
  if (parse_error || !parsed.is_object()) return invalid();
  Map values;
  // Growing one name at a time would leave the smaller blocks behind as holes.
  if constexpr (std::is_same_v<Map, activity_counts>) values.reserve(parsed.get_object().size());
  for (const auto& [name, value] : parsed.get_object()) {
    // Boost.JSON reads every integer that fits into int64 as an int64.
    if (!value.is_int64()) return invalid();
    values[std::string(name)] = value.get_int64();
  }
  return values;
}

}  // namespace

std::string int_map_to_json(const int_map& values) { return named_ints_to_json(values); }

std::string int_map_to_json(const activity_counts& values) { return named_ints_to_json(values); }

result<int_map> int_map_from_json(std::string_view text, const std::string& column) {
  return named_ints_from_json<int_map>(text, column);
}

result<activity_counts> activity_counts_from_json(std::string_view text,
                                                  const std::string& column) {
  return named_ints_from_json<activity_counts>(text, column);
}

}  // namespace troupe::store
