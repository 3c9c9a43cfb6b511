#include "runtime/activity_counts.hpp"

#include <algorithm>
#include <mutex>
#include <set>
#include <stdexcept>

namespace troupe {

namespace {

// A set's nodes never move, so a pointer to a name stays valid for ever.
const std::string* intern(std::string_view text) {
  static std::mutex guard;
  static std::set<std::string, std::less<>> names;
  const std::lock_guard<std::mutex> lock(guard);
  auto found = names.find(text);
  if (found == names.end()) found = names.emplace(text).first;
  return &*found;
}

bool name_before(const activity_counts::value_type& entry, std::string_view name) {
  return std::string_view(entry.first) < name;
}

}  // namespace

interned_name::interned_name() : text_(intern({})) {}

interned_name::interned_name(std::string_view text) : text_(intern(text)) {}

activity_counts::activity_counts(
    std::initializer_list<std::pair<std::string_view, std::int64_t>> entries) {
  reserve(entries.size());
  for (const auto& [name, value] : entries) (*this)[name] = value;
}

std::int64_t& activity_counts::operator[](std::string_view name) {
  const auto place = std::lower_bound(entries_.begin(), entries_.end(), name, name_before);
  if (place != entries_.end() && std::string_view(place->first) == name) return place->second;
  return entries_.emplace(place, interned_name(name), 0)->second;
}

std::int64_t activity_counts::at(std::string_view name) const {
  const auto found = find(name);
  if (found == end()) throw std::out_of_range("no count for " + std::string(name));
  return found->second;
}

activity_counts::const_iterator activity_counts::find(std::string_view name) const {
  const auto place = std::lower_bound(entries_.begin(), entries_.end(), name, name_before);
  return place != entries_.end() && std::string_view(place->first) == name ? place : end();
}

void activity_counts::clear() {
  entries_.clear();  // keeps its capacity: the next day brings the same names
}

}  // namespace troupe
