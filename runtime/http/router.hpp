// Maps "METHOD /path" to a handler. A pattern is a path of '/'-separated
// segments: literal segments match themselves, `{name}` matches any one
// non-empty segment and stores it (decoded) in request::path_params, and a
// final `{name...}` matches one or more remaining segments (joined with '/'),
// for static assets such as "/console/{file...}". "/" is the root. When
// several patterns match, the most specific wins: literal before `{name}`
// before `{name...}`, compared from the left. A path no pattern matches is a
// 404; a path matched only for other methods is a 405 with an Allow header.
//
// Build it on one thread, then hand it to the server: `match` and `dispatch`
// are const and safe to call from many threads at once.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/http/message.hpp"
#include "runtime/http/responder.hpp"

namespace troupe::http {

// Answers one request, now or later, through the responder (see
// responder.hpp). Runs on the server's I/O thread: it must not block. An
// exception it throws becomes a 500 for this request.
using handler = std::function<void(const request&, responder)>;

struct route_match {
  enum class outcome { found, not_found, method_not_allowed };
  outcome kind = outcome::not_found;
  const handler* target = nullptr;            // set iff found
  std::map<std::string, std::string> params;  // set iff found
  std::vector<std::string> allowed_methods;   // set iff method_not_allowed, sorted
};

class router {
 public:
  // Adds a route. Throws std::invalid_argument on a malformed pattern (not
  // starting with '/', an empty segment, `{...}` not alone in its segment or
  // not last) or on a method and pattern already routed: both are
  // programming errors found at start-up.
  void add(std::string method, std::string_view pattern, handler target);

  // The route for `method` and the raw (still percent-encoded) `path`.
  route_match match(std::string_view method, std::string_view raw_path) const;

  // Routes `incoming` by its method and target: fills its path_params and
  // calls the handler, or answers 404/405 through `reply`.
  void dispatch(request& incoming, const responder& reply) const;

 private:
  enum class segment_kind { literal, parameter, rest };  // in order of precedence
  struct segment {
    segment_kind kind;
    std::string text;  // the literal, or the parameter's name
  };
  struct route {
    std::string method;
    std::string pattern;
    std::vector<segment> segments;
    handler target;
  };

  static std::vector<segment> parse_pattern(std::string_view pattern);
  // The decoded parameters if `raw_segments` matches `candidate`, else nullopt.
  static std::optional<std::map<std::string, std::string>> bind(
      const route& candidate, const std::vector<std::string_view>& raw_segments);
  static bool more_specific(const route& left, const route& right);

  std::vector<route> routes_;
};

}  // namespace troupe::http
