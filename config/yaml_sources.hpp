// Reading and parsing config documents and merging them by top-level key: the
// first step of loading, before any key is interpreted. Internal to the
// loader. Plain functions over values; safe to call from any thread.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/loader.hpp"
#include "config/source_map.hpp"
#include "runtime/result.hpp"

namespace troupe::config {

// One top-level key of a document and the file it came from.
struct yaml_section {
  std::string key;
  std::string file;
  YAML::Node key_node;
  YAML::Node value;
};

struct merged_sources {
  std::vector<yaml_section> sections;   // in order of first appearance
  std::vector<diagnostic> diagnostics;  // syntax errors, non-mapping documents, duplicate keys
  bool complete = true;                 // every source was read and parsed
};

// Parses every source (YAML, and so JSON) and merges them: a later source's
// top-level key replaces the whole section of an earlier one.
merged_sources merge_sources(const std::vector<source_text>& sources);

// The whole text of the file at `path`, or why it cannot be read.
result<source_text> read_source_file(const std::string& path);

// A yaml-cpp mark (0-based, -1 when unknown) as a 1-based location in `file`.
location location_of(const std::string& file, const YAML::Mark& mark);

}  // namespace troupe::config
