// The LLM's base URL: http:// and https:// both parse, the default port
// follows the scheme; the CLI's parse_base_url still takes http:// only.
#include <catch2/catch.hpp>

#include "runtime/http/client.hpp"

using namespace troupe::http;

TEST_CASE("an https base URL means TLS on port 443 unless a port is given") {
  const auto openai = parse_service_url("https://api.openai.com/v1/");
  REQUIRE(openai.ok());
  CHECK(openai->tls);
  CHECK(openai->host == "api.openai.com");
  CHECK(openai->port == 443);
  CHECK(openai->prefix == "/v1");
  const auto local = parse_service_url("https://[::1]:8443/v1");
  REQUIRE(local.ok());
  CHECK(local->host == "::1");
  CHECK(local->port == 8443);
}

TEST_CASE("an http base URL is plain HTTP on port 80 unless a port is given") {
  const auto local = parse_service_url("http://127.0.0.1:8081/v1");
  REQUIRE(local.ok());
  CHECK_FALSE(local->tls);
  CHECK(local->port == 8081);
  CHECK(parse_service_url("http://localhost")->port == 80);
}

TEST_CASE("other schemes are refused, and parse_base_url still refuses https") {
  CHECK(parse_service_url("ftp://x/v1").failure().message ==
        "'ftp://x/v1': only http:// and https:// URLs are supported");
  CHECK(parse_base_url("https://x/v1").failure().message ==
        "'https://x/v1': only http:// URLs are supported");
  CHECK(parse_base_url("http://x:81")->port == 81);
}
