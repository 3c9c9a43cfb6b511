#include "config/loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <utility>

#include "config/decoder.hpp"
#include "config/validator.hpp"
#include "config/yaml_sources.hpp"

namespace troupe::config {
namespace {

bool is_error(const diagnostic& d) { return d.level == severity::error; }

// A value that failed to decode kept its default; findings about it (or
// about what contains it) would only repeat the decoding error confusingly.
bool concerns_undecoded_value(const diagnostic& finding, const std::vector<diagnostic>& decoding) {
  return std::any_of(decoding.begin(), decoding.end(), [&](const diagnostic& d) {
    return !d.key_path.empty() &&
           (is_within(finding.key_path, d.key_path) || is_within(d.key_path, finding.key_path));
  });
}

// Operators read diagnostics file by file, top to bottom.
void sort_by_position(std::vector<diagnostic>& diagnostics, const std::vector<std::string>& files) {
  const auto file_rank = [&](const std::string& file) {
    return std::find(files.begin(), files.end(), file) - files.begin();
  };
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [&](const diagnostic& a, const diagnostic& b) {
                     return std::make_tuple(file_rank(a.file), a.line, a.column) <
                            std::make_tuple(file_rank(b.file), b.line, b.column);
                   });
}

// Decodes and validates merged sources. When a file could not be read or
// parsed its sections are missing, so references between sections cannot be
// judged: then only decoding errors are reported.
load_result decode_and_validate(merged_sources merged, std::vector<std::string> files) {
  load_result result;
  result.files = std::move(files);
  result.diagnostics = std::move(merged.diagnostics);
  decoded_config decoded = decode_config(merged.sections);
  if (merged.complete) {
    for (auto& finding : validate(decoded.config, decoded.sources)) {
      if (!concerns_undecoded_value(finding, decoded.diagnostics)) {
        result.diagnostics.push_back(std::move(finding));
      }
    }
  }
  result.diagnostics.insert(result.diagnostics.end(), decoded.diagnostics.begin(),
                            decoded.diagnostics.end());
  sort_by_position(result.diagnostics, result.files);
  if (result.error_count() == 0) {
    result.config = std::make_shared<const troupe_config>(std::move(decoded.config));
  }
  return result;
}

std::vector<std::string> names_of(const std::vector<source_text>& sources) {
  std::vector<std::string> names;
  for (const auto& source : sources) names.push_back(source.name);
  return names;
}

}  // namespace

std::string format(const diagnostic& d) {
  std::string text = d.file;
  if (d.line > 0) text += fmt::format(":{}:{}", d.line, d.column);
  text += ": ";
  if (!d.key_path.empty()) text += d.key_path + ": ";
  if (d.level == severity::warning) text += "warning: ";
  return text + d.message;
}

std::size_t load_result::error_count() const {
  return static_cast<std::size_t>(std::count_if(diagnostics.begin(), diagnostics.end(), is_error));
}

load_result load_config_text(const std::vector<source_text>& sources) {
  return decode_and_validate(merge_sources(sources), names_of(sources));
}

load_result load_config(const std::vector<std::string>& files) {
  std::vector<source_text> sources;
  std::vector<diagnostic> unreadable;
  for (const auto& file : files) {
    auto text = read_source_file(file);
    if (text.ok()) {
      sources.push_back(std::move(text.value()));
      continue;
    }
    diagnostic finding;
    finding.file = file;
    finding.message = text.failure().message;
    unreadable.push_back(std::move(finding));
  }
  merged_sources merged = merge_sources(sources);
  merged.diagnostics.insert(merged.diagnostics.begin(), unreadable.begin(), unreadable.end());
  merged.complete = merged.complete && unreadable.empty();
  return decode_and_validate(std::move(merged), files);
}

}  // namespace troupe::config
