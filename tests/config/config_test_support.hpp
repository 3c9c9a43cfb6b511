// Helpers shared by the config tests: loading in-memory documents and reading
// the diagnostics as the operator sees them.
#pragma once

#include <fmt/format.h>

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "config/json.hpp"
#include "config/loader.hpp"

namespace troupe::config::testing {

inline const std::string examples_dir = std::string(TROUPE_SOURCE_DIR) + "/config/examples/";

// The reference JSON files, in the order an operator gives them.
inline std::vector<std::string> reference_json_files() {
  return {examples_dir + "smart-runner.json", examples_dir + "moods.json",
          examples_dir + "runner-groups.json"};
}

inline load_result load_text(const std::string& text, const std::string& name = "bad.yaml") {
  return load_config_text({source_text{name, text}});
}

// Every diagnostic, formatted as `troupe check-config` prints it.
inline std::vector<std::string> formatted(const load_result& loaded) {
  std::vector<std::string> lines;
  for (const auto& finding : loaded.diagnostics) lines.push_back(format(finding));
  return lines;
}

// Only the errors, formatted (leaving out warnings such as the default moods' overlap).
inline std::vector<std::string> formatted_errors(const load_result& loaded) {
  std::vector<std::string> lines;
  for (const auto& finding : loaded.diagnostics) {
    if (finding.level == severity::error) lines.push_back(format(finding));
  }
  return lines;
}

// The single error `document` (loaded alone as `name`) must give.
inline void check_single_error(const std::string& document, const std::string& expected,
                               const std::string& name = "bad.yaml") {
  const auto loaded = load_text(document, name);
  const auto lines = formatted_errors(loaded);
  INFO("--- " << name << "\n"
              << document << "--- errors\n"
              << fmt::format("{}", fmt::join(lines, "\n")));
  CHECK_FALSE(loaded.ok());
  CHECK(lines == std::vector<std::string>{expected});
}

inline std::string json_of(const troupe_config& config) {
  return boost::json::serialize(to_json(config));
}

}  // namespace troupe::config::testing
