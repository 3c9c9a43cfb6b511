// The admin token check in front of every /admin endpoint (contract:
// README.md, "HTTP API and console"). A pure function; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "runtime/http/message.hpp"

namespace troupe::http {

// Returns nullopt when `incoming` carries `Authorization: Bearer <token>`
// with the configured token, else the refusal to send:
// - no token configured (nullopt or empty): 403 "admin endpoints are
//   disabled: no admin token configured";
// - no Authorization header, or not a Bearer token: 401 with
//   `WWW-Authenticate: Bearer`;
// - another token: 403.
// Tokens are compared in time that depends only on the presented token's
// length, never on where it differs from the configured one or on the
// configured one's length.
std::optional<response> refuse_unless_admin(const request& incoming,
                                            const std::optional<std::string>& configured_token);

}  // namespace troupe::http
