#include "runtime/http/message.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>

namespace troupe::http {

namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool case_insensitive_less::operator()(std::string_view left, std::string_view right) const {
  return std::lexicographical_compare(
      left.begin(), left.end(), right.begin(), right.end(),
      [](char a, char b) { return ascii_lower(a) < ascii_lower(b); });
}

std::optional<std::string_view> request::header(std::string_view name) const {
  auto found = headers.find(name);
  if (found == headers.end()) return std::nullopt;
  return std::string_view(found->second);
}

response json_response(int status, const boost::json::value& value) {
  return response{status, "application/json", boost::json::serialize(value), {}};
}

response text_response(int status, std::string body, std::string content_type) {
  return response{status, std::move(content_type), std::move(body), {}};
}

response error_response(int status, std::string_view message) {
  return json_response(status,
                       boost::json::object{{"error", {{"status", status}, {"message", message}}}});
}

}  // namespace troupe::http
