#include "config/yaml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <utility>

#include "config/secrets.hpp"
#include "config/yaml_sources.hpp"

namespace troupe::config {
namespace {

// How the node at `path` looks to an operator, for "expected X, got Y"
// messages; the text of a scalar that may be a secret is not shown.
std::string describe(const YAML::Node& node, const std::string& path) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Scalar:
      if (node.Tag() == "!") return "the quoted string " + quoted_value(path, node.Scalar());
      return quoted_value(path, node.Scalar());
    default:
      return "nothing";
  }
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "accounts_per_pod", "AccountsPerPod" and "accountsPerPod" all look alike.
std::string folded(const std::string& key) {
  std::string result;
  for (char c : key) {
    if (c != '_' && c != '-')
      result += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return result;
}

std::optional<std::string> closest_key(const std::string& key, const std::set<std::string>& known) {
  for (const auto& candidate : known) {
    if (folded(candidate) == folded(key) || edit_distance(candidate, key) <= 2) return candidate;
  }
  return std::nullopt;
}

std::string joined(const std::set<std::string>& keys) {
  std::string result;
  for (const auto& key : keys) result += (result.empty() ? "" : ", ") + key;
  return result;
}

}  // namespace

std::string unknown_key_message(const std::string& key, const std::set<std::string>& known) {
  if (auto suggestion = closest_key(key, known)) {
    return fmt::format("unknown key '{}' (did you mean '{}'?)", key, *suggestion);
  }
  return fmt::format("unknown key '{}' (known: {})", key, joined(known));
}

std::string child_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string element_path(const std::string& path, std::size_t index) {
  return fmt::format("{}[{}]", path, index);
}

yaml_reader::yaml_reader(std::string file, source_map& sources,
                         std::vector<diagnostic>& diagnostics)
    : file_(std::move(file)), sources_(sources), diagnostics_(diagnostics) {}

void yaml_reader::record(const std::string& path, const YAML::Node& key, const YAML::Node& value) {
  record(path, value.IsNull() ? key : value);
}

void yaml_reader::record(const std::string& path, const YAML::Node& value) {
  sources_.record(path, location_of(file_, value.Mark()));
}

void yaml_reader::error(const std::string& path, std::string message) {
  diagnostics_.push_back(sources_.locate(severity::error, path, std::move(message)));
}

void yaml_reader::error_at(const YAML::Node& node, const std::string& path, std::string message) {
  const location where = location_of(file_, node.Mark());
  diagnostic finding;
  finding.file = where.file;
  finding.line = where.line;
  finding.column = where.column;
  finding.key_path = sources_.written_path(path);
  finding.message = std::move(message);
  diagnostics_.push_back(std::move(finding));
}

bool yaml_reader::expect_scalar(const YAML::Node& node, const std::string& path,
                                const char* expected) {
  if (node.IsScalar()) return true;
  if (node.IsNull()) {
    error(path, fmt::format("has no value; expected {}", expected));
  } else {
    error(path, fmt::format("expected {}, got {}", expected, describe(node, path)));
  }
  return false;
}

// Numbers and booleans must be plain: in YAML "5" (quoted) is a string.
bool yaml_reader::expect_plain_scalar(const YAML::Node& node, const std::string& path,
                                      const char* expected) {
  if (!expect_scalar(node, path, expected)) return false;
  if (node.Tag() != "!") return true;
  error(path, fmt::format("expected {}, got {}", expected, describe(node, path)));
  return false;
}

bool yaml_reader::expect_sequence(const YAML::Node& node, const std::string& path) {
  if (node.IsSequence()) return true;
  error(path, fmt::format("expected a list, got {}", describe(node, path)));
  return false;
}

bool yaml_reader::decode(const YAML::Node& node, const std::string& path, std::int64_t& out) {
  if (!expect_plain_scalar(node, path, "an integer")) return false;
  long long value = 0;
  if (!YAML::convert<long long>::decode(node, value)) {
    error(path, fmt::format("expected an integer, got {}", describe(node, path)));
    return false;
  }
  out = value;
  return true;
}

bool yaml_reader::decode(const YAML::Node& node, const std::string& path, int& out) {
  std::int64_t wide = 0;
  if (!decode(node, path, wide)) return false;
  if (wide < INT_MIN || wide > INT_MAX) {
    const auto shown = may_hold_secret(path) ? std::string(redacted) : std::to_string(wide);
    error(path, fmt::format("{} is out of range", shown));
    return false;
  }
  out = static_cast<int>(wide);
  return true;
}

bool yaml_reader::decode(const YAML::Node& node, const std::string& path, double& out) {
  if (!expect_plain_scalar(node, path, "a number")) return false;
  double value = 0;
  if (!YAML::convert<double>::decode(node, value)) {
    error(path, fmt::format("expected a number, got {}", describe(node, path)));
    return false;
  }
  if (!std::isfinite(value)) {
    error(path, fmt::format("expected a finite number, got {}", describe(node, path)));
    return false;
  }
  out = value;
  return true;
}

bool yaml_reader::decode(const YAML::Node& node, const std::string& path, bool& out) {
  if (!expect_plain_scalar(node, path, "true or false")) return false;
  bool value = false;
  if (!YAML::convert<bool>::decode(node, value)) {
    error(path, fmt::format("expected true or false, got {}", describe(node, path)));
    return false;
  }
  out = value;
  return true;
}

bool yaml_reader::decode(const YAML::Node& node, const std::string& path, std::string& out) {
  if (node.IsNull()) {
    error(path, "has no value; expected a string (write \"\" for an empty one)");
    return false;
  }
  if (!expect_scalar(node, path, "a string")) return false;
  out = node.Scalar();
  return true;
}

bool yaml_reader::decode(const YAML::Node& node, const std::string& path, int_range& out) {
  if (!node.IsSequence() || node.size() != 2) {
    error(path, fmt::format("expected a range [min, max], got {}", describe(node, path)));
    return false;
  }
  int_range value;
  record(element_path(path, 0), node[0]);
  record(element_path(path, 1), node[1]);
  const bool min_ok = decode(node[0], element_path(path, 0), value.min);
  const bool max_ok = decode(node[1], element_path(path, 1), value.max);
  if (!min_ok || !max_ok) return false;
  out = value;
  return true;
}

bool yaml_reader::decode(const YAML::Node& node, const std::string& path,
                         std::optional<int_range>& out) {
  int_range value;
  if (!decode(node, path, value)) return false;
  out = value;
  return true;
}

template <class T>
bool yaml_reader::decode_list(const YAML::Node& node, const std::string& path, std::vector<T>& out) {
  if (!expect_sequence(node, path)) return false;
  std::vector<T> values(node.size());
  bool all_ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    record(element_path(path, i), node[i]);
    all_ok = decode(node[i], element_path(path, i), values[i]) && all_ok;
  }
  if (all_ok) out = std::move(values);
  return all_ok;
}

bool yaml_reader::decode(const YAML::Node& node, const std::string& path,
                         std::vector<std::string>& out) {
  return decode_list(node, path, out);
}

bool yaml_reader::decode(const YAML::Node& node, const std::string& path, std::vector<int>& out) {
  return decode_list(node, path, out);
}

bool yaml_reader::decode(const YAML::Node& node, const std::string& path,
                         std::map<std::string, std::string>& out) {
  mapping_reader entries(*this, node, path);
  if (!entries.is_mapping()) return false;
  std::map<std::string, std::string> values;
  bool all_ok = true;
  for (const auto& entry : entries.take_all()) {
    all_ok = decode(entry.value, entry.path, values[entry.key]) && all_ok;
  }
  if (all_ok) out = std::move(values);
  return all_ok;
}

bool yaml_reader::decode(const YAML::Node& node, const std::string& path,
                         std::map<std::string, double>& out) {
  mapping_reader entries(*this, node, path);
  if (!entries.is_mapping()) return false;
  std::map<std::string, double> values;
  bool all_ok = true;
  for (const auto& entry : entries.take_all()) {
    all_ok = decode(entry.value, entry.path, values[entry.key]) && all_ok;
  }
  if (all_ok) out = std::move(values);
  return all_ok;
}

bool yaml_reader::decode_time(const YAML::Node& node, const std::string& path, minute_of_day& out) {
  std::string text;
  if (!decode(node, path, text)) return false;
  if (auto minute = parse_minute_of_day(text)) {
    out = *minute;
    return true;
  }
  error(path,
        fmt::format("expected a time \"HH:MM\" (00:00..23:59), got {}", quoted_value(path, text)));
  return false;
}

mapping_reader::mapping_reader(yaml_reader& reader, const YAML::Node& node, std::string path)
    : reader_(reader), path_(std::move(path)) {
  if (!node.IsMap()) {
    reader_.error(path_, fmt::format("expected a mapping, got {}", describe(node, path_)));
    return;
  }
  is_mapping_ = true;
  std::set<std::string> seen;
  for (const auto& item : node) {
    if (!item.first.IsScalar()) {
      reader_.error_at(item.first, path_,
                       "a key must be a plain string, got " + describe(item.first, path_));
      continue;
    }
    const std::string key = item.first.Scalar();
    const std::string key_path = child_path(path_, key);
    if (!seen.insert(key).second) {
      reader_.error_at(item.first, key_path, "duplicate key");
      continue;
    }
    reader_.record(key_path, item.first, item.second);
    entries_.push_back(mapping_entry{key, key_path, item.first, item.second});
  }
}

const mapping_entry* mapping_reader::take(const std::string& key) {
  known_keys_.insert(key);
  for (const auto& entry : entries_) {
    if (entry.key == key) {
      taken_keys_.insert(key);
      return &entry;
    }
  }
  return nullptr;
}

const mapping_entry* mapping_reader::require(const std::string& key) {
  const auto* entry = take(key);
  if (entry == nullptr && is_mapping_) reader_.error(path_, fmt::format("missing key '{}'", key));
  return entry;
}

const std::vector<mapping_entry>& mapping_reader::take_all() {
  for (const auto& entry : entries_) taken_keys_.insert(entry.key);
  return entries_;
}

void mapping_reader::report_unknown_keys() {
  for (const auto& entry : entries_) {
    if (taken_keys_.count(entry.key) != 0) continue;
    reader_.error_at(entry.key_node, entry.path, unknown_key_message(entry.key, known_keys_));
  }
}

}  // namespace troupe::config
