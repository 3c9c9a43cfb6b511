// The configuration as JSON: what /api/config shows and what tests compare.
// Secrets (the admin token, driver env values named in drivers.passEnv or
// looking like credentials) are replaced by "<redacted>".
#pragma once

#include <boost/json/value.hpp>

#include "config/config.hpp"

namespace troupe::config {

boost::json::value to_json(const troupe_config& config);

} // namespace troupe::config
