#include "runtime/http/query.hpp"

#include <date/date.h>

#include <cctype>
#include <charconv>

namespace troupe::http {

std::string in_quotes(std::string_view text) {
  constexpr std::size_t shown = 64;
  if (text.size() <= shown) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, shown)) + "...'";
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_decimal_digit(char c) { return c >= '0' && c <= '9'; }

// Reads `count` decimal digits at `text[at]` into `out`; false if any is not a digit.
bool read_digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
  if (at + count > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (!is_decimal_digit(text[i])) return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

// The milliseconds of a fraction of a second written after the '.', e.g. "25" -> 250.
std::optional<int> fraction_ms(std::string_view digits) {
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  int ms = 0;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (!is_decimal_digit(digits[i])) return std::nullopt;
    if (i < 3) ms = ms * 10 + (digits[i] - '0');
  }
  for (std::size_t i = digits.size(); i < 3; ++i) ms *= 10;
  return ms;
}

// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" strictly.
std::optional<std::int64_t> parse_iso_utc_ms(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  const bool fields_ok = read_digits(text, 0, 4, year) && text.size() > 19 && text[4] == '-' &&
                         read_digits(text, 5, 2, month) && text[7] == '-' &&
                         read_digits(text, 8, 2, day) && text[10] == 'T' &&
                         read_digits(text, 11, 2, hour) && text[13] == ':' &&
                         read_digits(text, 14, 2, minute) && text[16] == ':' &&
                         read_digits(text, 17, 2, second) && text.back() == 'Z';
  if (!fields_ok || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  int millis = 0;
  const std::string_view rest = text.substr(19, text.size() - 20);  // between seconds and 'Z'
  if (!rest.empty()) {
    if (rest.front() != '.') return std::nullopt;
    auto fraction = fraction_ms(rest.substr(1));
    if (!fraction) return std::nullopt;
    millis = *fraction;
  }
  const date::year_month_day civil{date::year{year}, date::month{static_cast<unsigned>(month)},
                                   date::day{static_cast<unsigned>(day)}};
  if (!civil.ok()) return std::nullopt;
  const std::int64_t days = date::sys_days{civil}.time_since_epoch().count();
  return ((days * 24 + hour) * 60 + minute) * 60'000 + second * 1000 + millis;
}

}  // namespace

result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      decoded += ' ';
    } else if (c != '%') {
      decoded += c;
    } else {
      const int high = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return error{"malformed percent-encoding in " + in_quotes(text) +
                     ": '%' must be followed by two hex digits"};
      }
      decoded += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return decoded;
}

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string encoded;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += c;
    } else {
      encoded += {'%', hex[byte >> 4], hex[byte & 15]};
    }
  }
  return encoded;
}

result<query_params> parse_query(std::string_view query) {
  query_params params;
  while (!query.empty()) {
    const std::size_t end = query.find('&');
    const std::string_view piece = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
    if (piece.empty()) continue;
    const std::size_t equals = piece.find('=');
    auto key = percent_decode(piece.substr(0, equals), true);
    if (!key) return key.failure();
    auto value = percent_decode(
        equals == std::string_view::npos ? std::string_view() : piece.substr(equals + 1), true);
    if (!value) return value.failure();
    params[std::move(key).value()] = std::move(value).value();
  }
  return params;
}

result<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, failure] = std::from_chars(text.data(), end, value);
  if (text.empty() || failure == std::errc::invalid_argument || stop != end) {
    return error{in_quotes(text) + " is not an integer"};
  }
  if (failure == std::errc::result_out_of_range) {
    return error{in_quotes(text) + " is out of the 64-bit integer range"};
  }
  return value;
}

result<std::int64_t> parse_timestamp_ms(std::string_view text) {
  const bool all_digits =
      !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
  if (all_digits) return parse_integer(text);
  if (auto instant = parse_iso_utc_ms(text)) return *instant;
  return error{in_quotes(text) +
               " is neither epoch milliseconds nor an ISO-8601 UTC time like "
               "2026-11-27T10:00:00Z"};
}

result<std::optional<std::int64_t>> integer_param(const query_params& query,
                                                  const std::string& name, std::int64_t min,
                                                  std::int64_t max) {
  auto found = query.find(name);
  if (found == query.end()) return std::optional<std::int64_t>();
  auto value = parse_integer(found->second);
  if (!value) {
    return error{"query parameter '" + name + "' must be an integer, got " + in_quotes(found->second)};
  }
  if (*value < min || *value > max) {
    return error{"query parameter '" + name + "' must be between " + std::to_string(min) + " and " +
                 std::to_string(max) + ", got " + std::to_string(*value)};
  }
  return std::optional<std::int64_t>(*value);
}

result<std::optional<std::int64_t>> timestamp_param(const query_params& query,
                                                    const std::string& name) {
  auto found = query.find(name);
  if (found == query.end()) return std::optional<std::int64_t>();
  auto value = parse_timestamp_ms(found->second);
  if (!value) return error{"query parameter '" + name + "': " + value.failure().message};
  return std::optional<std::int64_t>(*value);
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

std::optional<std::string> text_param(const query_params& query, const char* name) {
  auto found = query.find(name);
  if (found == query.end() || found->second.empty()) return std::nullopt;
  return found->second;
}

}  // namespace troupe::http
