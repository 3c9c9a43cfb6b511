#include "config/yaml_sources.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>

namespace troupe::config {
namespace {

diagnostic error_at(const location& where, std::string key_path, std::string message) {
  diagnostic finding;
  finding.file = where.file;
  finding.line = where.line;
  finding.column = where.column;
  finding.key_path = std::move(key_path);
  finding.message = std::move(message);
  return finding;
}

const char* node_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    default:
      return "a mapping";
  }
}

// yaml-cpp's message without what it quotes of the document after ": " (an
// escape sequence, say, "invalid unicode: D800"), which may be part of a
// secret. The location still points at it.
std::string syntax_error_message(const std::string& yaml_cpp_message) {
  return "YAML syntax error: " + yaml_cpp_message.substr(0, yaml_cpp_message.find(": "));
}

// Parses one source into its documents; a syntax error becomes a diagnostic.
std::optional<YAML::Node> parse_document(const source_text& source, merged_sources& merged) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(source.text);
  } catch (const YAML::Exception& e) {
    merged.diagnostics.push_back(
        error_at(location_of(source.name, e.mark), {}, syntax_error_message(e.msg)));
    return std::nullopt;
  }
  if (documents.size() > 1) {
    merged.diagnostics.push_back(error_at(
        location_of(source.name, documents[1].Mark()), {},
        fmt::format("holds {} YAML documents; a config file holds one", documents.size())));
    return std::nullopt;
  }
  // A file read while an editor or a deploy was still writing it can be
  // empty; taken as all defaults, a reload would retire every pod and drop
  // the admin token. A file meant to set nothing says so with `{}`.
  if (documents.empty() || documents.front().IsNull()) {
    merged.diagnostics.push_back(error_at(
        location{source.name, 0, 0}, {},
        "holds no settings (empty, or comments only): was it read while being written? Write {} "
        "for a file that sets nothing"));
    return std::nullopt;
  }
  if (!documents.front().IsMap()) {
    merged.diagnostics.push_back(
        error_at(location_of(source.name, documents.front().Mark()), {},
                 fmt::format("expected a mapping of sections (such as `concurrency: 1`), got {}",
                             node_kind(documents.front()))));
    return std::nullopt;
  }
  return documents.front();
}

// Adds a document's top-level keys to `merged`, replacing earlier sources' keys.
void merge_document(const source_text& source, const YAML::Node& document,
                    std::map<std::string, std::size_t>& index, merged_sources& merged) {
  std::map<std::string, YAML::Mark> seen_here;
  for (const auto& entry : document) {
    const location where = location_of(source.name, entry.first.Mark());
    if (!entry.first.IsScalar()) {
      merged.diagnostics.push_back(error_at(where, {}, "a section name must be a plain string"));
      continue;
    }
    const std::string key = entry.first.Scalar();
    if (auto first = seen_here.find(key); first != seen_here.end()) {
      merged.diagnostics.push_back(
          error_at(where, key,
                   fmt::format("duplicate key (first given at line {})", first->second.line + 1)));
      continue;
    }
    seen_here.emplace(key, entry.first.Mark());
    yaml_section section{key, source.name, entry.first, entry.second};
    if (auto earlier = index.find(key); earlier != index.end()) {
      merged.sections[earlier->second] = std::move(section);
    } else {
      index.emplace(key, merged.sections.size());
      merged.sections.push_back(std::move(section));
    }
  }
}

}  // namespace

location location_of(const std::string& file, const YAML::Mark& mark) {
  if (mark.line < 0 || mark.column < 0) return location{file, 0, 0};
  return location{file, mark.line + 1, mark.column + 1};
}

merged_sources merge_sources(const std::vector<source_text>& sources) {
  merged_sources merged;
  std::map<std::string, std::size_t> index;  // key -> position in merged.sections
  for (const auto& source : sources) {
    if (auto document = parse_document(source, merged)) {
      merge_document(source, *document, index, merged);
    } else {
      merged.complete = false;
    }
  }
  return merged;
}

result<source_text> read_source_file(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) return error{"cannot read: is a directory"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return error{"cannot read: " + std::string(std::strerror(errno))};
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return error{"cannot read: " + std::string(std::strerror(errno))};
  return source_text{path, std::move(text)};
}

}  // namespace troupe::config
