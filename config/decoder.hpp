// Decoding the merged YAML sections into a troupe_config: types, shapes and
// key names are checked here (wrong types, unknown, duplicate and missing
// keys); what the values mean is checked by the validator
// (config/validator.hpp). Internal to the loader. Plain functions; safe to
// call from any thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/loader.hpp"
#include "config/source_map.hpp"
#include "config/yaml_reader.hpp"
#include "config/yaml_sources.hpp"

namespace troupe::config {

struct decoded_config {
  troupe_config config;                 // defaults where a key is absent or wrong
  source_map sources;                   // where every value was written
  std::vector<diagnostic> diagnostics;  // what could not be decoded
};

decoded_config decode_config(const std::vector<yaml_section>& sections);

// Decodes the value of one top-level `key` into its part of the config.
using section_decoder =
    std::function<void(yaml_reader&, const std::string& key, const YAML::Node&, troupe_config&)>;
using section_decoders = std::map<std::string, section_decoder>;

// The decoders of each group of top-level keys.
section_decoders runner_section_decoders();          // smart-runner.json's keys
section_decoders moods_and_pods_section_decoders();  // timezone, moods, pods
section_decoders daemon_section_decoders();          // db, http, log, flags, drivers, aol
section_decoders content_section_decoders();         // jobs, content, approval
section_decoders ops_section_decoders();             // monitor, report, cleanup, notify

// A section decoder for a section read by `decode` into `config.*part`.
template <class Part>
section_decoder decode_into(void (*decode)(yaml_reader&, const YAML::Node&, const std::string&,
                                           Part&),
                            Part troupe_config::*part) {
  return [decode, part](yaml_reader& reader, const std::string& key, const YAML::Node& node,
                        troupe_config& config) { decode(reader, node, key, config.*part); };
}

// A section decoder for a scalar (or list) section stored in `config.*part`.
template <class Value>
section_decoder decode_value_into(Value troupe_config::*part) {
  return [part](yaml_reader& reader, const std::string& key, const YAML::Node& node,
                troupe_config& config) { reader.decode(node, key, config.*part); };
}

}  // namespace troupe::config
