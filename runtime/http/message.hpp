// The HTTP request a handler reads and the response it answers with, as
// plain values independent of the network library. `error_response` is the
// one place that shapes an error body: {"error":{"status":N,"message":"..."}}
// (docs: README.md, "HTTP API and console"). Values: copy and move freely; not
// thread-safe to share mutably.
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace troupe::http {

// Orders header names without regard to ASCII case ("content-type" ==
// "Content-Type"), as HTTP header names are case-insensitive.
struct case_insensitive_less {
  using is_transparent = void;
  bool operator()(std::string_view left, std::string_view right) const;
};

using header_map = std::map<std::string, std::string, case_insensitive_less>;

struct request {
  std::string method;  // as sent: "GET", "POST", ...
  std::string target;  // the raw request target, e.g. "/api/events?since=1&limit=5"
  std::string path;    // the percent-decoded path without the query, e.g. "/api/events"
  std::map<std::string, std::string> query;  // decoded; of repeated keys the last wins
  header_map headers;                        // repeated headers joined with ", "
  std::string body;
  std::map<std::string, std::string> path_params;  // {name} segments, filled by the router

  // The value of header `name` (any case), or nullopt when absent.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Allow
};

// A response with `value` serialized as its JSON body.
response json_response(int status, const boost::json::value& value);

// A response with a plain body of the given content type.
response text_response(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");

// The API's error response: status `status` and body
// {"error":{"status":status,"message":message}}.
response error_response(int status, std::string_view message);

}  // namespace troupe::http
