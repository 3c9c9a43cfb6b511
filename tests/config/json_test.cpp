// The config as JSON: the file's own keys, and no secrets.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using namespace troupe::config;
using namespace troupe::config::testing;

TEST_CASE("the JSON form uses the config files' camelCase keys", "[config][json]") {
  const auto loaded = load_config(reference_json_files());
  REQUIRE(loaded.ok());
  const auto json = to_json(*loaded.config).as_object();
  CHECK(json.at("accountsPerPod").as_int64() == 5);
  CHECK(json.at("handoff").at("modeMs").as_int64() == 54'000);
  CHECK(json.at("weights").at("base").at("stories").as_double() == Approx(0.10));
  CHECK(json.at("unfollowTrigger").at("threshold").as_int64() == 50);
  CHECK(json.at("activities").at("reels").at("seconds") == boost::json::array{120, 600});
  CHECK_FALSE(json.at("activities").at("reels").as_object().contains("count"));
  CHECK(json.at("moods").at(3).at("end").as_string() == "01:00");
  CHECK(json.at("pods").at("podA").at("accounts").as_array().size() == 5);
  CHECK(json.at("flags").at("runtimePreflightTimeoutMs").as_int64() == 10000);
}

TEST_CASE("the JSON form reloads as the same configuration", "[config][json]") {
  const auto loaded = load_config(reference_json_files());
  REQUIRE(loaded.ok());
  const auto text = boost::json::serialize(to_json(*loaded.config));
  const auto reloaded = load_text(text, "effective.json");
  REQUIRE(reloaded.ok());
  CHECK(json_of(*reloaded.config) == text);
}

TEST_CASE("secrets are redacted in the JSON form", "[config][json]") {
  troupe_config config;
  config.http.admin_token = "hunter2";
  config.drivers.env = {{"API_KEY", "sk-123"}, {"REGION", "eu"}};
  config.db.url = "postgresql://troupe:pw@db/troupe?sslmode=require";
  const auto text = json_of(config);
  CHECK(text.find("hunter2") == std::string::npos);
  CHECK(text.find("sk-123") == std::string::npos);
  CHECK(text.find(":pw@") == std::string::npos);
  const auto json = to_json(config);
  CHECK(json.at("http").at("adminToken").as_string() == "<redacted>");
  CHECK(json.at("drivers").at("env").at("REGION").as_string() == "<redacted>");
  CHECK(json.at("db").at("url").as_string() ==
        "postgresql://troupe:<redacted>@db/troupe?sslmode=require");
}

TEST_CASE("an unset admin token shows as empty, not as redacted", "[config][json]") {
  CHECK(to_json(troupe_config{}).at("http").at("adminToken").as_string() == "");
}
