#include "config/secrets.hpp"

#include <algorithm>
#include <cctype>

namespace troupe::config {
namespace {

// "scheme://user:secret@host/..." -> "scheme://user:<redacted>@host/...";
// "scheme:user:secret@host" -> "scheme:<redacted>@host".
std::string redact_user_info(std::string url) {
  const auto scheme_end = url.find(':');
  if (scheme_end == std::string::npos) return redacted;
  const bool slashes = url.compare(scheme_end, 3, "://") == 0;
  const auto authority = scheme_end + (slashes ? 3 : 1);
  const auto authority_end = url.find_first_of("/?#", authority);
  const auto at = url.rfind('@', authority_end == std::string::npos ? url.size() : authority_end);
  if (at == std::string::npos || at < authority) return url;
  if (!slashes) return url.replace(authority, at - authority, redacted);
  const auto colon = url.find(':', authority);
  if (colon == std::string::npos || colon > at) return url;
  return url.replace(colon + 1, at - colon - 1, redacted);
}

// "...?user=app&password=secret" -> "...?user=app&password=<redacted>"
std::string redact_password_parameter(std::string url) {
  const auto query = url.find('?');
  if (query == std::string::npos) return url;
  for (auto key = url.find("password=", query); key != std::string::npos;
       key = url.find("password=", key + 1)) {
    const char before = url[key - 1];
    if (before != '?' && before != '&') continue;
    const auto value = key + 9;
    const auto value_end = url.find_first_of("&#", value);
    url.replace(value, (value_end == std::string::npos ? url.size() : value_end) - value, redacted);
  }
  return url;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool starts_path(const std::string& path, const std::string& prefix) {
  return path.compare(0, prefix.size(), prefix) == 0 &&
         (path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[');
}

}  // namespace

std::string redact_url_password(const std::string& url) {
  return redact_password_parameter(redact_user_info(url));
}

std::string redact_webhook(const std::string& url) {
  if (url.empty()) return url;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return redacted;
  const auto authority_end = url.find_first_of("/?#", scheme_end + 3);
  if (authority_end == std::string::npos) return redact_url_password(url);
  return redact_url_password(url.substr(0, authority_end)) + "/" + redacted;
}

bool may_hold_secret(const std::string& key_path) {
  if (starts_path(key_path, "db.url") || starts_path(key_path, "drivers.env")) return true;
  const auto folded = lower(key_path);
  for (const char* word : {"token", "key", "secret", "password"}) {
    if (folded.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string quoted_value(const std::string& key_path, const std::string& value) {
  return may_hold_secret(key_path) ? std::string(redacted) : "\"" + value + "\"";
}

}  // namespace troupe::config
