#include "config/source_map.hpp"

#include <utility>

namespace troupe::config {

std::string parent_path(const std::string& path) {
  const auto cut = path.find_last_of(".[");
  return cut == std::string::npos ? std::string{} : path.substr(0, cut);
}

bool is_within(const std::string& path, const std::string& ancestor) {
  if (path.compare(0, ancestor.size(), ancestor) != 0) return false;
  return path.size() == ancestor.size() || path[ancestor.size()] == '.' ||
         path[ancestor.size()] == '[';
}

void source_map::record(const std::string& path, location where) {
  locations_[path] = std::move(where);
}

void source_map::alias(const std::string& canonical, const std::string& written) {
  aliases_[canonical] = written;
}

std::optional<location> source_map::find_with_ancestors(std::string path) const {
  for (;; path = parent_path(path)) {
    if (auto found = locations_.find(path); found != locations_.end()) return found->second;
    if (path.empty()) return std::nullopt;
  }
}

std::optional<location> source_map::find(const std::string& path,
                                         const std::string& fallback) const {
  if (auto found = find_with_ancestors(path)) return found;
  if (fallback.empty()) return std::nullopt;
  return find_with_ancestors(fallback);
}

std::string source_map::written_path(const std::string& path) const {
  for (auto it = aliases_.rbegin(); it != aliases_.rend(); ++it) {
    if (is_within(path, it->first)) return it->second + path.substr(it->first.size());
  }
  return path;
}

diagnostic source_map::locate(severity level, const std::string& path, std::string message,
                              const std::string& fallback) const {
  diagnostic finding;
  finding.level = level;
  finding.key_path = written_path(path);
  finding.message = std::move(message);
  if (auto where = find(path, fallback)) {
    finding.file = where->file;
    finding.line = where->line;
    finding.column = where->column;
  } else {
    finding.file = "(defaults)";
  }
  return finding;
}

}  // namespace troupe::config
