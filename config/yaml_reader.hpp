// Typed, located reading of YAML nodes for the config decoder: every value is
// recorded in a source_map under its key path, and every wrong type, duplicate
// or unknown key becomes a diagnostic instead of an exception. Internal to the
// loader; one reader per top-level section (it knows that section's file).
// Not synchronized.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/loader.hpp"
#include "config/source_map.hpp"

namespace troupe::config {

// "a" + "b" -> "a.b"; "" + "b" -> "b".
std::string child_path(const std::string& path, const std::string& key);
// "a" + 2 -> "a[2]".
std::string element_path(const std::string& path, std::size_t index);

// "unknown key 'sigmma' (did you mean 'sigma'?)", or the known keys when none is close.
std::string unknown_key_message(const std::string& key, const std::set<std::string>& known);

class yaml_reader {
 public:
  yaml_reader(std::string file, source_map& sources, std::vector<diagnostic>& diagnostics);

  // Records where the value at `path` was written: the value's position, or
  // the key's when the value is empty (yaml-cpp places empty values on the next line).
  void record(const std::string& path, const YAML::Node& key, const YAML::Node& value);
  void record(const std::string& path, const YAML::Node& value);

  // Reports an error about the (recorded) value at `path`.
  void error(const std::string& path, std::string message);
  // Reports an error about `path` located at `node` (a key, for example).
  void error_at(const YAML::Node& node, const std::string& path, std::string message);

  source_map& sources() { return sources_; }

  // Each decodes the value at `path` into `out` and returns true, or reports
  // why it cannot and returns false, leaving `out` as it was.
  bool decode(const YAML::Node& node, const std::string& path, std::int64_t& out);
  bool decode(const YAML::Node& node, const std::string& path, int& out);
  bool decode(const YAML::Node& node, const std::string& path, double& out);
  bool decode(const YAML::Node& node, const std::string& path, bool& out);
  bool decode(const YAML::Node& node, const std::string& path, std::string& out);
  bool decode(const YAML::Node& node, const std::string& path, int_range& out);
  bool decode(const YAML::Node& node, const std::string& path, std::optional<int_range>& out);
  bool decode(const YAML::Node& node, const std::string& path, std::vector<std::string>& out);
  bool decode(const YAML::Node& node, const std::string& path, std::vector<int>& out);
  bool decode(const YAML::Node& node, const std::string& path,
              std::map<std::string, std::string>& out);
  bool decode(const YAML::Node& node, const std::string& path, std::map<std::string, double>& out);
  // "HH:MM"
  bool decode_time(const YAML::Node& node, const std::string& path, minute_of_day& out);

  // Returns true iff `node` is a list; reports otherwise.
  bool expect_sequence(const YAML::Node& node, const std::string& path);

 private:
  bool expect_scalar(const YAML::Node& node, const std::string& path, const char* expected);
  bool expect_plain_scalar(const YAML::Node& node, const std::string& path, const char* expected);
  template <class T>
  bool decode_list(const YAML::Node& node, const std::string& path, std::vector<T>& out);

  std::string file_;
  source_map& sources_;
  std::vector<diagnostic>& diagnostics_;
};

// One key of a mapping, in document order.
struct mapping_entry {
  std::string key;
  std::string path;
  YAML::Node key_node;
  YAML::Node value;
};

// Reads a YAML mapping whose keys are known to the caller: reports a value
// that is not a mapping, duplicate keys, missing required keys and, in
// report_unknown_keys(), every key the caller never asked for.
class mapping_reader {
 public:
  mapping_reader(yaml_reader& reader, const YAML::Node& node, std::string path);

  // Returns true iff the node is a mapping (a non-mapping was reported).
  bool is_mapping() const { return is_mapping_; }

  // If `key` is present, decodes its value into `out` (kept on error).
  template <class T>
  void read(const std::string& key, T& out) {
    if (const auto* entry = take(key)) reader_.decode(entry->value, entry->path, out);
  }

  // The entry of `key`, or nullptr when absent; either way `key` is known.
  const mapping_entry* take(const std::string& key);

  // Like take(), and reports the key as missing when absent.
  const mapping_entry* require(const std::string& key);

  // Every entry, in document order, all of them known (for maps whose keys are
  // names chosen by the operator: activities, pods, weights).
  const std::vector<mapping_entry>& take_all();

  // Reports each key never taken as unknown, suggesting the closest known key.
  void report_unknown_keys();

  const std::string& path() const { return path_; }

 private:
  yaml_reader& reader_;
  std::string path_;
  bool is_mapping_ = false;
  std::vector<mapping_entry> entries_;
  std::set<std::string> known_keys_;
  std::set<std::string> taken_keys_;
};

}  // namespace troupe::config
