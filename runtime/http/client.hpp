// A small synchronous HTTP/1.1 client for the command line (`troupe status`,
// `troupe actors`) and the action queue's NOTIFY adapter: one request per
// connection, the whole exchange (resolve, connect, send, receive) bounded by
// one timeout. It blocks the calling thread: the daemon calls it only from
// threads that may block (the AOL loop's), never from an actor or the
// server's I/O threads. Stateless free functions: safe to call from any
// thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/http/message.hpp"
#include "runtime/result.hpp"

namespace troupe::http {

// Where an HTTP API lives, from "http://HOST[:PORT][/PREFIX]".
struct base_url {
  std::string host;          // a name or an address; an IPv6 address without brackets
  std::uint16_t port = 80;
  std::string prefix;        // a path prefix without the trailing '/', usually empty
};

// Parses "http://HOST[:PORT][/PREFIX]" ("HOST:PORT" alone means http too;
// IPv6 as "[::1]:8080"). Fails on another scheme (https included), an empty
// host, a bad port, or a query or fragment.
result<base_url> parse_base_url(std::string_view url);

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
