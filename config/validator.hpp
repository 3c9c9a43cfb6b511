// Validating a decoded troupe_config: ranges, references between sections
// (activities named in weights, moods and triggers), moods, pods, time zones
// and the daemon's sections. Types and key names were checked by the decoder
// (config/decoder.hpp). Internal to the loader. Plain functions; safe to call
// from any thread.
#pragma once

#include <fmt/format.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/loader.hpp"
#include "config/source_map.hpp"

namespace troupe::config {

// Every finding about `config`, located with `sources`.
std::vector<diagnostic> validate(const troupe_config& config, const source_map& sources);

// Collects located findings, with the wording of the common rules.
class findings {
 public:
  explicit findings(const source_map& sources) : sources_(sources) {}

  // `fallback` locates a finding about a value left at its default (see source_map::find).
  void error(const std::string& path, std::string message, const std::string& fallback = {});
  void warning(const std::string& path, std::string message, const std::string& fallback = {});

  template <class Number>
  void at_least(const std::string& path, Number value, Number minimum) {
    if (!(value >= minimum)) error(path, fmt::format("must be >= {} (got {})", minimum, value));
  }
  template <class Number>
  void above(const std::string& path, Number value, Number bound) {
    if (!(value > bound)) error(path, fmt::format("must be > {} (got {})", bound, value));
  }
  template <class Number>
  void within(const std::string& path, Number value, Number low, Number high) {
    if (!(value >= low && value <= high)) {
      error(path, fmt::format("must be within {}..{} (got {})", low, high, value));
    }
  }
  void one_of(const std::string& path, const std::string& value,
              std::initializer_list<const char*> allowed);
  void not_empty(const std::string& path, const std::string& value);

  std::vector<diagnostic> take() { return std::move(found_); }

 private:
  const source_map& sources_;
  std::vector<diagnostic> found_;
};

// The rules, one group per file.
void validate_runner(const troupe_config& config, findings& found);
void validate_activities(const troupe_config& config, findings& found);
void validate_moods(const troupe_config& config, findings& found);
void validate_pods(const troupe_config& config, findings& found);
void validate_time_zones(const troupe_config& config, findings& found);
void validate_daemon(const troupe_config& config, findings& found);
void validate_content(const troupe_config& config, findings& found);
void validate_ops(const troupe_config& config, findings& found);

}  // namespace troupe::config
