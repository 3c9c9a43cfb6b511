// Where each configuration value was written: a map from a dotted key path
// ("handoff.sigma", "moods[2].start", "pods.podA.accounts[0]") to the file,
// line and column of its value. The decoder fills it; the decoder and the
// validator turn findings about a key path into located diagnostics with it.
// Internal to the loader. A plain value; not synchronized.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "config/loader.hpp"

namespace troupe::config {

struct location {
  std::string file;
  int line = 0;    // 1-based; 0 for the file as a whole
  int column = 0;  // 1-based; 0 for the file as a whole
};

// The path one level up: "a.b[2]" -> "a.b" -> "a" -> "".
std::string parent_path(const std::string& path);

// Returns true iff `path` is `ancestor` or lies beneath it.
bool is_within(const std::string& path, const std::string& ancestor);

class source_map {
 public:
  void record(const std::string& path, location where);

  // Shows paths under `canonical` as under `written`, for short forms such as
  // `pods: {podA: [ids]}` where "pods.podA.accounts[1]" was written "pods.podA[1]".
  void alias(const std::string& canonical, const std::string& written);

  // The location of `path` or of its nearest recorded ancestor, else that of
  // `fallback` (or its ancestors): values left at their defaults have no
  // location of their own, so a finding about them points at what made them
  // wrong (for example the `activities` that lack a default weight's name).
  std::optional<location> find(const std::string& path, const std::string& fallback = {}) const;

  // `path` as the operator wrote it (aliases applied).
  std::string written_path(const std::string& path) const;

  // A diagnostic about `path`, located with find(path, fallback). Without any
  // location the file is "(defaults)".
  diagnostic locate(severity level, const std::string& path, std::string message,
                    const std::string& fallback = {}) const;

 private:
  std::optional<location> find_with_ancestors(std::string path) const;

  std::map<std::string, location> locations_;
  std::map<std::string, std::string> aliases_;  // canonical prefix -> written prefix
};

}  // namespace troupe::config
