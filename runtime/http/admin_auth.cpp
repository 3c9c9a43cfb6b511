#include "runtime/http/admin_auth.hpp"

#include <algorithm>
#include <string_view>

namespace troupe::http {

namespace {

// Compares every byte of `presented` whatever it contains, so the time taken
// says nothing about how much of the secret a guess got right. Indexing the
// secret modulo its length keeps its length out of the timing too.
bool tokens_equal(std::string_view presented, std::string_view secret) {
  unsigned difference = presented.size() == secret.size() ? 0u : 1u;
  for (std::size_t i = 0; i < presented.size(); ++i) {
    difference |= static_cast<unsigned char>(presented[i]) ^
                  static_cast<unsigned char>(secret[i % secret.size()]);
  }
  return difference == 0;
}

bool equals_ignoring_case(std::string_view left, std::string_view right) {
  if (left.size() != right.size()) return false;
  for (std::size_t i = 0; i < left.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(left[i]) != lower(right[i])) return false;
  }
  return true;
}

// The token of an "Authorization: Bearer <token>" value (the scheme in any
// case, RFC 6750), or nullopt when the value is not of that form.
std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size() ||
      !equals_ignoring_case(authorization.substr(0, scheme.size()), scheme) ||
      authorization[scheme.size()] != ' ') {
    return std::nullopt;
  }
  std::string_view token = authorization.substr(scheme.size());
  token.remove_prefix(std::min(token.find_first_not_of(' '), token.size()));
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty() || token.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
  return token;
}

response unauthorized(std::string_view message) {
  response refusal = error_response(401, message);
  refusal.headers.emplace_back("WWW-Authenticate", "Bearer");
  return refusal;
}

}  // namespace

std::optional<response> refuse_unless_admin(const request& incoming,
                                            const std::optional<std::string>& configured_token) {
  if (!configured_token || configured_token->empty()) {
    return error_response(403, "admin endpoints are disabled: no admin token configured");
  }
  const auto authorization = incoming.header("Authorization");
  if (!authorization) {
    return unauthorized("admin endpoints need an 'Authorization: Bearer <token>' header");
  }
  const auto token = bearer_token(*authorization);
  if (!token) {
    return unauthorized("malformed Authorization header: expected 'Bearer <token>'");
  }
  if (!tokens_equal(*token, *configured_token)) return error_response(403, "invalid admin token");
  return std::nullopt;
}

}  // namespace troupe::http
