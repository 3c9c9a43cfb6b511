// Secrets never echoed: a config value that may be a secret (db.url's
// password, anything under drivers.env, any key named like a token, key,
// secret or password) never appears in a diagnostic, which check-config
// prints, the log records and the API and console show after a reload.
#include "config/secrets.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "config/yaml_reader.hpp"
#include "config_test_support.hpp"
#include "tests/support/text.hpp"

using namespace troupe::config;
using namespace troupe::config::testing;

namespace {

// The errors of `document` (as "bad.yaml"), one per line.
std::string diagnostics_of(const std::string& document) {
  return fmt::format("{}", fmt::join(formatted_errors(load_text(document)), "\n"));
}

// The message of decoding `yaml` as an integer at `path`.
std::string integer_error(const std::string& path, const std::string& yaml) {
  source_map sources;
  std::vector<diagnostic> found;
  yaml_reader reader("t.yaml", sources, found);
  int out = 0;
  reader.decode(YAML::Load(yaml), path, out);
  return found.empty() ? std::string() : found.front().message;
}

}  // namespace

TEST_CASE("a URL keeps its scheme, user and host and loses its password", "[config][secrets]") {
  CHECK(redact_url_password("sqlite:troupe.db") == "sqlite:troupe.db");
  CHECK(redact_url_password("sqlite:/var/lib/a@b.db") == "sqlite:/var/lib/a@b.db");
  CHECK(redact_url_password("postgresql://troupe@db/troupe") == "postgresql://troupe@db/troupe");
  CHECK(redact_url_password("postgres://u:p@ss@db:5432/x") == "postgres://u:<redacted>@db:5432/x");
  CHECK(redact_url_password("mysql://bob:PASSWORD@host/x") == "mysql://bob:<redacted>@host/x");
  CHECK(redact_url_password("postgres://troupe@db/troupe?password=s3cr3t&sslmode=require") ==
        "postgres://troupe@db/troupe?password=<redacted>&sslmode=require");
  CHECK(redact_url_password("postgresql://db/x?user=u&password=p#frag") ==
        "postgresql://db/x?user=u&password=<redacted>#frag");
}

TEST_CASE("a URL written without // hides its whole user info, text without a scheme hides all",
          "[config][secrets]") {
  CHECK(redact_url_password("mysql:bob:PASSWORD@host/x") == "mysql:<redacted>@host/x");
  CHECK(redact_url_password("bob:PASSWORD@host") == "bob:<redacted>@host");
  CHECK(redact_url_password("PASSWORD") == "<redacted>");
}

TEST_CASE("the keys that may hold a secret", "[config][secrets]") {
  for (const char* secret :
       {"db.url", "drivers.env", "drivers.env.REGION", "http.adminToken", "flags.openaiApiKey",
        "x.clientSecret", "x.PASSWORD", "x.tokens[2]", "secrets.a"}) {
    INFO(secret);
    CHECK(may_hold_secret(secret));
  }
  for (const char* plain :
       {"db.busyTimeoutMs", "db.urls", "http.port", "drivers.envx", "pods.podA.accounts[0]"}) {
    INFO(plain);
    CHECK_FALSE(may_hold_secret(plain));
  }
}

TEST_CASE("a bad db.url is reported with its scheme and host, never its password",
          "[config][secrets]") {
  const auto shown = diagnostics_of("db:\n  url: mysql://bob:Pa55-w0rd@db.internal/x\n");
  CHECK(shown ==
        "bad.yaml:2:8: db.url: expected sqlite:PATH or postgresql://..., got "
        "\"mysql://bob:<redacted>@db.internal/x\"");
  CHECK_FALSE(contains(diagnostics_of("db:\n  url: Pa55-w0rd\n"), "Pa55-w0rd"));
}

TEST_CASE("a wrong drivers.env never shows its values or what follows '=' in a name",
          "[config][secrets]") {
  const auto scalar = diagnostics_of("drivers:\n  env: \"API_TOKEN=sk-live-abc123\"\n");
  CHECK(scalar ==
        "bad.yaml:2:8: drivers.env: expected a mapping, got the quoted string <redacted>");
  const auto name = diagnostics_of("drivers:\n  env: {\"API_TOKEN=sk-live-abc123\": x}\n");
  CHECK(contains(name, "drivers.env: 'API_TOKEN=...' is not a valid environment variable name"));
  CHECK_FALSE(contains(name, "sk-live"));
}

TEST_CASE("a key named like a token, key, secret or password never shows its value",
          "[config][secrets]") {
  for (const char* path :
       {"http.adminToken", "flags.apiKey", "x.clientSecret", "x.dbPassword", "x.API_KEY"}) {
    INFO(path);
    const auto message = integer_error(path, "\"sk-live-abc123\"");
    CHECK(message == "expected an integer, got the quoted string <redacted>");
  }
  CHECK(integer_error("x.count", "\"12\"") == "expected an integer, got the quoted string \"12\"");
  CHECK(integer_error("x.passwordLength", "99999999999") == "<redacted> is out of range");
  // Unknown keys are named, their values are not.
  CHECK_FALSE(contains(diagnostics_of("db:\n  password: hunter2-value\n"), "hunter2-value"));
  CHECK_FALSE(contains(diagnostics_of("flags:\n  openaiApiKey: sk-live-abc123\n"), "sk-live"));
}

TEST_CASE("a YAML syntax error never quotes the document's text", "[config][secrets]") {
  const auto shown = diagnostics_of("http:\n  adminToken: \"tok\\uD800en\"\n");
  CHECK(contains(shown, "bad.yaml:2:"));
  CHECK(contains(shown, "YAML syntax error: invalid unicode"));
  CHECK_FALSE(contains(shown, "D800"));
  const auto escape = diagnostics_of("drivers:\n  env: {K: \"se\\qcret\"}\n");
  CHECK(contains(escape, "YAML syntax error: unknown escape character"));
  CHECK_FALSE(contains(escape, "character: q"));
}
