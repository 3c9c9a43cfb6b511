// The TEXT form of the store's JSON columns that map names to integers
// (starts_today, done_today, last_start_at_ms as an account's
// activity_counts; sessions_by_activity as an int_map): a JSON object such
// as {"follow":3,"reels":1}. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "runtime/activity_counts.hpp"
#include "runtime/result.hpp"

namespace troupe::store {

using int_map = std::map<std::string, std::int64_t>;

// The map as a JSON object, keys in order.
std::string int_map_to_json(const int_map& values);
std::string int_map_to_json(const activity_counts& values);

// Parses a JSON object whose values are all integers; fails (naming `column`)
// on anything else.
result<int_map> int_map_from_json(std::string_view text, const std::string& column);
result<activity_counts> activity_counts_from_json(std::string_view text,
                                                  const std::string& column);

}  // namespace troupe::store
