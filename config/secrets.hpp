// Keeping secrets out of what the daemon shows: the effective config
// (/api/config), summaries, logs and the diagnostics of a config that does
// not load (check-config, reload results). Plain functions; thread-safe.
#pragma once

#include <string>

namespace troupe::config {

// What a secret is shown as.
inline constexpr const char* redacted = "<redacted>";

// `url` with the password of its user info and any `password=` query
// parameter replaced by "<redacted>" ("postgresql://app:<redacted>@db/troupe"),
// so that its scheme, user and host still show. In a URL written without
// "//" ("mysql:bob:pw@host") the whole user info is hidden: there it cannot
// be told apart from a password. Text without any ':' is not a URL and may be
// the secret itself: it is hidden whole.
std::string redact_url_password(const std::string& url);

// A webhook URL as far as it may be shown: its scheme and authority (the
// password of the user info hidden); its path and query, which often are
// the secret (a token, a signed path), become "/<redacted>".
std::string redact_webhook(const std::string& url);

// Returns true iff the value at `key_path` ("db.url", "drivers.env.API_KEY")
// may be a secret: db.url, drivers.env and anything under it, and anything
// under a key whose name contains "token", "key", "secret" or "password" in
// any case. A message about such a value says what is wrong without it.
bool may_hold_secret(const std::string& key_path);

// `value` as a message about the value at `key_path` may quote it: in double
// quotes, or "<redacted>" when the key may hold a secret (may_hold_secret).
std::string quoted_value(const std::string& key_path, const std::string& value);

}  // namespace troupe::config
