// An enum's values with the names the store writes them under, and the two
// lookups every table of them needs.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace troupe::store {

// The name `value` is stored under; `unknown` for a value not in `names`.
template <class Value, std::size_t N>
const char* name_of(const std::pair<Value, const char*> (&names)[N], Value value,
                    const char* unknown = "unknown") {
  for (const auto& [known, name] : names) {
    if (known == value) return name;
  }
  return unknown;
}

// The value stored under `name`, nullopt for a name not in `names`.
template <class Value, std::size_t N>
std::optional<Value> value_of(const std::pair<Value, const char*> (&names)[N],
                              std::string_view name) {
  for (const auto& [value, stored] : names) {
    if (name == stored) return value;
  }
  return std::nullopt;
}

}  // namespace troupe::store
