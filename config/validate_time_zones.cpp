// Time zones, checked against the OS time zone database (/usr/share/zoneinfo).
#include <date/tz.h>

#include "config/validator.hpp"

namespace troupe::config {
namespace {

bool is_known_time_zone(const std::string& name) {
  try {
    date::locate_zone(name);
    return true;
  } catch (const std::exception&) {
    return false;  // locate_zone reports an unknown name by throwing
  }
}

void validate_zone(const std::string& path, const std::string& name, findings& found) {
  if (!is_known_time_zone(name)) {
    found.error(path, fmt::format("unknown time zone \"{}\" (use an IANA name such as "
                                  "\"Europe/Berlin\" or \"UTC\")",
                                  name));
  }
}

}  // namespace

void validate_time_zones(const troupe_config& config, findings& found) {
  validate_zone("timezone", config.timezone, found);
  for (const auto& pod : config.pods) {
    if (!pod.timezone.empty()) validate_zone("pods." + pod.name + ".timezone", pod.timezone, found);
  }
}

}  // namespace troupe::config
