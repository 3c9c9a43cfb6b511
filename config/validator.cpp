#include "config/validator.hpp"

#include <utility>

#include "config/secrets.hpp"

namespace troupe::config {

std::vector<diagnostic> validate(const troupe_config& config, const source_map& sources) {
  findings found(sources);
  validate_runner(config, found);
  validate_activities(config, found);
  validate_moods(config, found);
  validate_pods(config, found);
  validate_time_zones(config, found);
  validate_daemon(config, found);
  validate_content(config, found);
  validate_ops(config, found);
  return found.take();
}

void findings::error(const std::string& path, std::string message, const std::string& fallback) {
  found_.push_back(sources_.locate(severity::error, path, std::move(message), fallback));
}

void findings::warning(const std::string& path, std::string message, const std::string& fallback) {
  found_.push_back(sources_.locate(severity::warning, path, std::move(message), fallback));
}

void findings::one_of(const std::string& path, const std::string& value,
                      std::initializer_list<const char*> allowed) {
  for (const char* candidate : allowed) {
    if (value == candidate) return;
  }
  error(path, fmt::format("must be one of {} (got {})", fmt::join(allowed, "|"),
                          quoted_value(path, value)));
}

void findings::not_empty(const std::string& path, const std::string& value) {
  if (value.empty()) error(path, "must not be empty");
}

}  // namespace troupe::config
