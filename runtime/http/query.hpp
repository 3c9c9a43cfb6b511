// Decoding of request targets and parsing of query parameters. Pure
// functions; errors are values whose message can go to the client as a 400
// ("query parameter 'limit' must be an integer, got 'ten'"). Thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/result.hpp"

namespace troupe::http {

using query_params = std::map<std::string, std::string>;

// User input as an error message shows it: in single quotes, cut short
// ("...") past 64 characters so that a huge input does not make a huge body.
std::string in_quotes(std::string_view text);

// The path of a request target: everything before its '?'.
std::string_view path_of(std::string_view target);

// Decodes %XX escapes; with `plus_is_space` (query strings) '+' becomes ' '.
// Fails on a '%' not followed by two hex digits.
result<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

// Escapes every byte but the unreserved ones (A-Z a-z 0-9 - . _ ~) as %XX,
// so that `text` can go into a query string as a key or a value.
std::string percent_encode(std::string_view text);

// Splits "a=1&b=x%20y" into decoded key/value pairs; a key without '=' has
// an empty value, empty pieces are skipped, the last of repeated keys wins.
result<query_params> parse_query(std::string_view query);

// Parses a whole decimal integer (optional '-'), nothing else around it.
result<std::int64_t> parse_integer(std::string_view text);

// Parses epoch milliseconds ("1795780800000") or an ISO-8601 UTC instant
// ("2026-11-27T10:00:00Z", optionally with a fraction of a second:
// "2026-11-27T10:00:00.250Z") into epoch milliseconds.
result<std::int64_t> parse_timestamp_ms(std::string_view text);

// The query parameter `name` when present and non-empty.
std::optional<std::string> text_param(const query_params& query, const char* name);

// The integer query parameter `name`: nullopt when absent, an error when it
// is not an integer within [min, max].
result<std::optional<std::int64_t>> integer_param(
    const query_params& query, const std::string& name,
    std::int64_t min = std::numeric_limits<std::int64_t>::min(),
    std::int64_t max = std::numeric_limits<std::int64_t>::max());

// The timestamp query parameter `name` (see parse_timestamp_ms) in epoch
// milliseconds: nullopt when absent, an error when malformed.
result<std::optional<std::int64_t>> timestamp_param(const query_params& query,
                                                    const std::string& name);

}  // namespace troupe::http
