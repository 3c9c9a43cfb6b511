// Decoding the time zone, the moods (moods.json) and the pods (runner-groups.json).
#include "config/decoder.hpp"

namespace troupe::config {
namespace {

void decode_mood(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                 mood_config& out) {
  mapping_reader fields(reader, node, path);
  if (const auto* name = fields.require("name")) reader.decode(name->value, name->path, out.name);
  if (const auto* start = fields.require("start")) {
    reader.decode_time(start->value, start->path, out.start);
  }
  if (const auto* end = fields.require("end")) reader.decode_time(end->value, end->path, out.end);
  fields.read("sleep", out.sleep);
  fields.read("idle", out.idle);
  fields.read("burst", out.burst);
  fields.read("weights", out.weights);
  fields.report_unknown_keys();
}

void decode_moods(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                  std::vector<mood_config>& out) {
  if (!reader.expect_sequence(node, path)) return;
  std::vector<mood_config> moods(node.size());
  for (std::size_t i = 0; i < node.size(); ++i) {
    reader.record(element_path(path, i), node[i]);
    decode_mood(reader, node[i], element_path(path, i), moods[i]);
  }
  out = std::move(moods);
}

// `podA: [ids]` is short for `podA: {accounts: [ids]}`.
void decode_pod_accounts(yaml_reader& reader, const mapping_entry& entry, pod_config& out) {
  const std::string accounts_path = child_path(entry.path, "accounts");
  reader.sources().alias(accounts_path, entry.path);
  reader.record(accounts_path, entry.key_node, entry.value);
  reader.decode(entry.value, accounts_path, out.accounts);
}

void decode_pod(yaml_reader& reader, const mapping_entry& entry, pod_config& out) {
  if (entry.value.IsSequence()) {
    decode_pod_accounts(reader, entry, out);
    return;
  }
  if (!entry.value.IsMap()) {
    reader.error(entry.path, "expected a list of profile ids or a mapping with `accounts`");
    return;
  }
  mapping_reader fields(reader, entry.value, entry.path);
  if (const auto* accounts = fields.require("accounts")) {
    reader.decode(accounts->value, accounts->path, out.accounts);
  }
  fields.read("timezone", out.timezone);
  fields.read("targets", out.targets);
  fields.report_unknown_keys();
}

void decode_pods(yaml_reader& reader, const YAML::Node& node, const std::string& path,
                 std::vector<pod_config>& out) {
  mapping_reader names(reader, node, path);
  if (!names.is_mapping()) return;
  std::vector<pod_config> pods;
  for (const auto& entry : names.take_all()) {
    pod_config pod;
    pod.name = entry.key;
    decode_pod(reader, entry, pod);
    pods.push_back(std::move(pod));
  }
  out = std::move(pods);
}

}  // namespace

section_decoders moods_and_pods_section_decoders() {
  return {
      {"timezone", decode_value_into(&troupe_config::timezone)},
      {"moods", decode_into(decode_moods, &troupe_config::moods)},
      {"pods", decode_into(decode_pods, &troupe_config::pods)},
  };
}

}  // namespace troupe::config
