#include "runtime/http/query.hpp"

#include <catch2/catch.hpp>

using namespace troupe::http;

TEST_CASE("percent-decoding turns %XX escapes into bytes and keeps '+' in paths") {
  CHECK(percent_decode("profile%2Da1").value() == "profile-a1");
  CHECK(percent_decode("a%20b%2fc").value() == "a b/c");
  CHECK(percent_decode("a+b").value() == "a+b");
  CHECK(percent_decode("a+b", true).value() == "a b");
  CHECK(percent_decode("caf%C3%A9").value() == "caf\xC3\xA9");
}

TEST_CASE("percent-encoding escapes all but the unreserved characters, and decoding gives the text back") {
  CHECK(percent_encode("alpha-1_x.y~z") == "alpha-1_x.y~z");
  CHECK(percent_encode("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9");
  const std::string text = "pod one & two = 100% é";
  CHECK(*percent_decode(percent_encode(text), true) == text);
}

TEST_CASE("a '%' without two hex digits is an error, not a guess") {
  for (const char* bad : {"%", "abc%2", "%zz", "100%"}) {
    auto decoded = percent_decode(bad);
    REQUIRE_FALSE(decoded.ok());
    CHECK_THAT(decoded.failure().message, Catch::Contains("malformed percent-encoding"));
  }
}

TEST_CASE("a query string becomes decoded key/value pairs") {
  auto query = parse_query("pod=eu%2Dwest&account=a+b&flag&&limit=5&limit=7");
  REQUIRE(query.ok());
  CHECK(query->at("pod") == "eu-west");
  CHECK(query->at("account") == "a b");
  CHECK(query->at("flag").empty());
  CHECK(query->at("limit") == "7");  // the last of repeated keys wins
  CHECK(query->size() == 4);
  CHECK(parse_query("").value().empty());
  CHECK_FALSE(parse_query("since=%G0").ok());
}

TEST_CASE("integers parse whole or not at all") {
  CHECK(parse_integer("42").value() == 42);
  CHECK(parse_integer("-7").value() == -7);
  for (const char* bad : {"", "4x", " 4", "+4", "4.0", "ten"}) {
    CHECK_FALSE(parse_integer(bad).ok());
  }
  auto huge = parse_integer("99999999999999999999");
  REQUIRE_FALSE(huge.ok());
  CHECK_THAT(huge.failure().message, Catch::Contains("out of the 64-bit integer range"));
}

TEST_CASE("timestamps are epoch milliseconds or ISO-8601 UTC") {
  CHECK(parse_timestamp_ms("1795780800000").value() == 1795780800000);
  CHECK(parse_timestamp_ms("2026-11-27T10:00:00Z").value() == 1795773600000);
  CHECK(parse_timestamp_ms("1970-01-01T00:00:00Z").value() == 0);
  CHECK(parse_timestamp_ms("2026-11-27T10:00:00.250Z").value() == 1795773600250);
  CHECK(parse_timestamp_ms("2026-11-27T10:00:00.5Z").value() == 1795773600500);
  CHECK(parse_timestamp_ms("2024-02-29T23:59:59Z").value() == 1709251199000);
}

TEST_CASE("malformed or impossible timestamps are rejected with the expected form") {
  for (const char* bad :
       {"yesterday", "2026-11-27", "2026-11-27T10:00:00", "2026-11-27 10:00:00Z",
        "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-27T24:00:00Z",
        "2026-11-27T10:60:00Z", "2026-11-27T10:00:00.Z", "2026-11-27T10:00:00+01:00", "-5"}) {
    auto parsed = parse_timestamp_ms(bad);
    INFO(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK_THAT(parsed.failure().message, Catch::Contains("2026-11-27T10:00:00Z"));
  }
}

TEST_CASE("query parameters: absent is nullopt, malformed or out of range is an error") {
  const query_params query{{"limit", "5000"}, {"after", "x"}, {"since", "2026-11-27T10:00:00Z"}};
  CHECK_FALSE(integer_param(query, "missing").value().has_value());
  CHECK(integer_param(query, "limit").value() == 5000);

  auto out_of_range = integer_param(query, "limit", 1, 1000);
  REQUIRE_FALSE(out_of_range.ok());
  CHECK(out_of_range.failure().message ==
        "query parameter 'limit' must be between 1 and 1000, got 5000");

  auto not_a_number = integer_param(query, "after");
  REQUIRE_FALSE(not_a_number.ok());
  CHECK(not_a_number.failure().message == "query parameter 'after' must be an integer, got 'x'");

  CHECK(timestamp_param(query, "since").value() == 1795773600000);
  CHECK_FALSE(timestamp_param(query, "until").value().has_value());
  auto bad_time = timestamp_param(query, "after");
  REQUIRE_FALSE(bad_time.ok());
  CHECK_THAT(bad_time.failure().message,
             Catch::StartsWith("query parameter 'after': 'x' is neither"));
}

TEST_CASE("an error message does not echo a huge parameter whole") {
  const std::string huge(10'000, '9');
  auto parsed = integer_param({{"limit", huge + "x"}}, "limit");
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.failure().message.size() < 200);
}
