// Keeping secrets out of what the daemon shows: the effective config
// (/api/config), summaries and logs. Plain functions; thread-safe.
#pragma once

#include <string>

namespace troupe::config {

// What a secret is shown as.
inline constexpr const char* redacted = "<redacted>";

// `url` with the password of its user info and any `password=` query
// parameter replaced by "<redacted>" ("postgresql://app:<redacted>@db/troupe").
std::string redact_url_password(const std::string& url);

}  // namespace troupe::config
