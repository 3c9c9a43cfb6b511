// A few named integers of one account (activity or unit name -> count or
// time): starts_today, done_today, last_start_at_ms. A node keeps three of
// them in every account, most empty or with two or three names, so they sit
// side by side in one small vector (24 bytes empty, 16 bytes an entry)
// instead of a std::map (48 bytes empty, ~80 an entry). A name is interned:
// each distinct one is stored once for the process, and entries point to it.
// Kept in name order, like the map it replaces (the store's JSON and
// iteration come out the same).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace troupe {

// One copy of a name for the whole process, never freed: the names are an
// operator's activities and units, a handful, however many accounts.
class interned_name {
 public:
  interned_name();
  explicit interned_name(std::string_view text);

  const std::string& str() const { return *text_; }
  operator std::string_view() const { return *text_; }

  friend bool operator==(interned_name a, interned_name b) { return a.text_ == b.text_; }
  friend bool operator!=(interned_name a, interned_name b) { return a.text_ != b.text_; }

 private:
  const std::string* text_;
};

class activity_counts {
 public:
  using key_type = interned_name;
  using mapped_type = std::int64_t;
  using value_type = std::pair<interned_name, std::int64_t>;
  using const_iterator = std::vector<value_type>::const_iterator;

  activity_counts() = default;
  activity_counts(std::initializer_list<std::pair<std::string_view, std::int64_t>> entries);

  // The value of `name`, added as 0 if it has none.
  std::int64_t& operator[](std::string_view name);
  // The value of `name`; throws std::out_of_range if it has none.
  std::int64_t at(std::string_view name) const;
  const_iterator find(std::string_view name) const;

  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  void clear();
  // Room for `count` names: a load that knows how many it reads allocates once.
  void reserve(std::size_t count) { entries_.reserve(count); }

  friend bool operator==(const activity_counts& a, const activity_counts& b) {
    return a.entries_ == b.entries_;
  }
  friend bool operator!=(const activity_counts& a, const activity_counts& b) {
    return !(a == b);
  }

 private:
  std::vector<value_type> entries_;  // in name order
};

}  // namespace troupe
