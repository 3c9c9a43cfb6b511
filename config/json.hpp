// The configuration as JSON: what /api/config shows and what tests compare.
// Keys are the camelCase keys of the config files, so an operator recognises
// them. Secrets (a set admin token, every drivers.env value, the password of
// db.url, the path and query of aol.notifyWebhook) are replaced by
// "<redacted>". Thread-safe (a pure function).
#pragma once

#include <boost/json/value.hpp>

#include "config/config.hpp"

namespace troupe::config {

boost::json::value to_json(const troupe_config& config);

} // namespace troupe::config
