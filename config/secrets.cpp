#include "config/secrets.hpp"

namespace troupe::config {
namespace {

// "scheme://user:secret@host/..." -> "scheme://user:<redacted>@host/..."
std::string redact_user_info(std::string url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const auto authority = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", authority);
  const auto at = url.rfind('@', authority_end == std::string::npos ? url.size() : authority_end);
  if (at == std::string::npos || at < authority) return url;
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

}  // namespace

std::string redact_url_password(const std::string& url) {
  return redact_password_parameter(redact_user_info(url));
}

}  // namespace troupe::config
