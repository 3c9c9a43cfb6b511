// A small synchronous HTTP/1.1 client for the command line (`troupe status`,
// `troupe actors`), the action queue's NOTIFY adapter and the LLM client
// (over HTTPS too, see `exchange`): one request per connection, the whole
// exchange (resolve, connect, send, receive) bounded by one timeout. It blocks the calling thread:
// the daemon calls it only from threads that may block (the AOL loop's), never from an actor or the
// server's I/O threads. Stateless free functions: safe to call from any
// thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/http/message.hpp"
#include "runtime/result.hpp"

namespace troupe::http {

// Where an HTTP API lives, from "http://HOST[:PORT][/PREFIX]" (or https://).
struct base_url {
  std::string host;          // a name or an address; an IPv6 address without brackets
  std::uint16_t port = 80;
  std::string prefix;        // a path prefix without the trailing '/', usually empty
  bool tls = false;          // https: TLS with the peer's certificate verified
};

// Parses "http://HOST[:PORT][/PREFIX]" ("HOST:PORT" alone means http too;
// IPv6 as "[::1]:8080"). Fails on another scheme (https included), an empty
// host, a bad port, or a query or fragment.
result<base_url> parse_base_url(std::string_view url);

// Like parse_base_url, and also accepts "https://HOST[:PORT][/PREFIX]"
// (port 443 by default, `tls` set).
result<base_url> parse_service_url(std::string_view url);

// How one exchange is bounded and what it adds to the request.
struct exchange_options {
  std::chrono::milliseconds connect_timeout{5000};           // resolve + connect + TLS handshake
  std::chrono::milliseconds timeout{60000};                  // the whole exchange, connect included
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
  // https: a PEM file of CAs trusted besides the system's default ones.
  // The peer's certificate is always verified, and its name against the host.
  std::string ca_file;
};

// Why an exchange got no complete response.
enum class exchange_failure {
  none,
  resolve,          // the host name did not resolve
  connect,          // refused or unreachable
  connect_timeout,  // no connection (and TLS handshake) within connect_timeout
  tls,              // the handshake failed: a bad certificate, a wrong name
  timeout,          // connected, but no complete response within timeout
  io,               // the connection broke while sending or receiving (a reset)
};

// An exchange's response, or why there was none. The message never holds
// the request's headers (they may carry a secret).
struct exchange_outcome {
  std::optional<response> answer;  // set iff failure == none; every received header in `headers`
  exchange_failure failure = exchange_failure::none;
  std::string message;  // why, in words, when failed
};

// POSTs `body` as `content_type` to `base.prefix + target` over HTTP or, when
// `base.tls`, HTTPS, and returns the response whatever its status.
exchange_outcome exchange(const base_url& base, std::string_view target, std::string body,
                          std::string_view content_type, const exchange_options& options);

// GETs `base.prefix + target` (target starts with '/') and returns the
// response whatever its status. Fails, with the reason in words, only when
// no complete response arrived within `timeout`: the name did not resolve,
// the connection was refused, the peer closed early or sent no valid HTTP.
result<response> get(const base_url& base, std::string_view target,
                     std::chrono::milliseconds timeout);

// POSTs `body` as `content_type` to `base.prefix + target` (an empty target
// with an empty prefix posts to "/") and returns the response whatever its
// status; fails like get() when no complete response arrived in time.
result<response> post(const base_url& base, std::string_view target, std::string body,
                      std::string_view content_type, std::chrono::milliseconds timeout);

}  // namespace troupe::http
