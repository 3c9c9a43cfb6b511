#include "runtime/http/admin_auth.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace troupe::http;

namespace {

request with_authorization(std::optional<std::string> value) {
  request incoming;
  incoming.method = "POST";
  incoming.path = incoming.target = "/admin/reload";
  if (value) incoming.headers.emplace("Authorization", *value);
  return incoming;
}

std::string message_of(const response& refusal) {
  return std::string(boost::json::parse(refusal.body).at("error").at("message").as_string());
}

bool has_header(const response& answer, const std::string& name, const std::string& value) {
  for (const auto& header : answer.headers) {
    if (header.first == name && header.second == value) return true;
  }
  return false;
}

const std::optional<std::string> token = std::string("s3cret-token");

}  // namespace

TEST_CASE("the right bearer token is let through") {
  CHECK_FALSE(refuse_unless_admin(with_authorization("Bearer s3cret-token"), token));
  CHECK_FALSE(refuse_unless_admin(with_authorization("bearer s3cret-token"), token));
  CHECK_FALSE(refuse_unless_admin(with_authorization("Bearer   s3cret-token "), token));
}

TEST_CASE("without a configured token every admin call is refused with 403") {
  for (const std::optional<std::string>& configured :
       {std::optional<std::string>(), std::optional<std::string>("")}) {
    auto refusal = refuse_unless_admin(with_authorization("Bearer s3cret-token"), configured);
    REQUIRE(refusal);
    CHECK(refusal->status == 403);
    CHECK(message_of(*refusal) == "admin endpoints are disabled: no admin token configured");
  }
}

TEST_CASE("a missing or malformed Authorization header is a 401 asking for a bearer token") {
  for (const std::optional<std::string>& header :
       {std::optional<std::string>(), std::optional<std::string>("s3cret-token"),
        std::optional<std::string>("Basic czNjcmV0"), std::optional<std::string>("Bearer"),
        std::optional<std::string>("Bearer "), std::optional<std::string>("Bearers3cret-token"),
        std::optional<std::string>("Bearer s3cret token")}) {
    INFO(header.value_or("<none>"));
    auto refusal = refuse_unless_admin(with_authorization(header), token);
    REQUIRE(refusal);
    CHECK(refusal->status == 401);
    CHECK(has_header(*refusal, "WWW-Authenticate", "Bearer"));
    CHECK(boost::json::parse(refusal->body).at("error").at("status") == 401);
  }
}

TEST_CASE("a wrong token is a 403, whatever its length or how much of it matches") {
  for (const char* wrong : {"Bearer s3cret-tokeN", "Bearer s3cret-token2", "Bearer s3cret",
                            "Bearer x", "Bearer s3cret-tokens3cret-token"}) {
    INFO(wrong);
    auto refusal = refuse_unless_admin(with_authorization(std::string(wrong)), token);
    REQUIRE(refusal);
    CHECK(refusal->status == 403);
    CHECK(message_of(*refusal) == "invalid admin token");
    CHECK_FALSE(has_header(*refusal, "WWW-Authenticate", "Bearer"));
  }
}
