// Loading and validating Troupe's configuration from YAML (and so JSON) files.
//
// `load_config` never throws: every problem it finds becomes a diagnostic
// naming FILE:LINE:COL and the dotted key path, and the caller decides what
// to do with them. The same function serves `troupe check-config`, start-up
// and hot reload, so all three accept and reject exactly the same input.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace troupe::config {

enum class severity { warning, error };

// One finding about the configuration. Line and column are 1-based; 0 when
// the finding concerns a file as a whole (for example, it cannot be read).
struct diagnostic {
  severity level = severity::error;
  std::string file;
  int line = 0;
  int column = 0;
  std::string key_path; // e.g. "handoff.sigma", "moods[2].start"
  std::string message;
};

// "FILE:LINE:COL: key.path: message" (warnings say "warning: " before the message).
std::string format(const diagnostic& d);

struct load_result {
  // Set when there is no error (warnings allowed).
  std::shared_ptr<const troupe_config> config;
  std::vector<diagnostic> diagnostics;
  std::vector<std::string> files; // the files it came from, in merge order

  bool ok() const { return config != nullptr; }
  std::size_t error_count() const;
};

// Reads `files` in order and merges them by top-level key (a later file's key
// replaces an earlier file's whole section), then decodes and validates the
// result. With no files, the defaults.
load_result load_config(const std::vector<std::string>& files);

// The same from in-memory documents (name -> YAML text), for tests and reload.
struct source_text {
  std::string name;
  std::string text;
};
load_result load_config_text(const std::vector<source_text>& sources);

} // namespace troupe::config
