#include "config/decoder.hpp"

namespace troupe::config {
namespace {

const section_decoders& all_section_decoders() {
  static const section_decoders decoders = [] {
    section_decoders table = runner_section_decoders();
    table.merge(moods_and_pods_section_decoders());
    table.merge(daemon_section_decoders());
    table.merge(content_section_decoders());
    table.merge(ops_section_decoders());
    return table;
  }();
  return decoders;
}

std::set<std::string> section_names() {
  std::set<std::string> names;
  for (const auto& entry : all_section_decoders()) names.insert(entry.first);
  return names;
}

}  // namespace

decoded_config decode_config(const std::vector<yaml_section>& sections) {
  decoded_config decoded;
  for (const auto& section : sections) {
    yaml_reader reader(section.file, decoded.sources, decoded.diagnostics);
    const auto decoder = all_section_decoders().find(section.key);
    if (decoder == all_section_decoders().end()) {
      reader.error_at(section.key_node, section.key,
                      unknown_key_message(section.key, section_names()));
      continue;
    }
    reader.record(section.key, section.key_node, section.value);
    decoder->second(reader, section.key, section.value, decoded.config);
  }
  return decoded;
}

}  // namespace troupe::config
