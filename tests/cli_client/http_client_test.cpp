// The CLI's HTTP client: base URLs as operators type them, responses of any
// status, and a bounded wait when the daemon is away or silent.
#include "runtime/http/client.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/cli_client/canned_daemon.hpp"

using troupe::http::base_url;
using troupe::http::get;
using troupe::http::parse_base_url;
using troupe::testing::canned_daemon;
using troupe::testing::closed_port;
using namespace std::chrono_literals;

namespace {

// A loopback socket that listens but never accepts nor answers.
class silent_listener {
 public:
  silent_listener() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_, 4) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
  }
  ~silent_listener() { ::close(fd_); }
  silent_listener(const silent_listener&) = delete;
  silent_listener& operator=(const silent_listener&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

base_url loopback(std::uint16_t port) { return {"127.0.0.1", port, ""}; }

}  // namespace

TEST_CASE("base URLs parse into host, port and path prefix") {
  auto plain = parse_base_url("http://127.0.0.1:8080");
  REQUIRE(plain);
  CHECK(plain->host == "127.0.0.1");
  CHECK(plain->port == 8080);
  CHECK(plain->prefix.empty());

  auto named = parse_base_url("http://localhost/");
  REQUIRE(named);
  CHECK(named->host == "localhost");
  CHECK(named->port == 80);
  CHECK(named->prefix.empty());

  auto bare = parse_base_url("10.0.0.5:9000");
  REQUIRE(bare);
  CHECK(bare->host == "10.0.0.5");
  CHECK(bare->port == 9000);

  auto v6 = parse_base_url("http://[::1]:8081/troupe/");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 8081);
  CHECK(v6->prefix == "/troupe");
}

TEST_CASE("base URLs that cannot work are refused with the reason") {
  const std::pair<const char*, const char*> refused[] = {
      {"https://127.0.0.1:8443", "only http://"}, {"http://:8080", "no host"},
      {"http://host:0", "bad port"},              {"http://host:65536", "bad port"},
      {"http://host:80x", "bad port"},            {"http://host:", "empty port"},
      {"http://[::1", "unclosed"},                {"http://host/api?x=1", "no query"}};
  for (const auto& [url, reason] : refused) {
    INFO(url);
    auto parsed = parse_base_url(url);
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.failure().message, Catch::Contains(url) && Catch::Contains(reason));
  }
}

TEST_CASE("a GET returns the response whatever its status") {
  canned_daemon daemon;
  daemon.answer("/api/ready", 503, R"({"ready":false})");

  auto not_ready = get(loopback(daemon.port()), "/api/ready", 5s);
  REQUIRE(not_ready);
  CHECK(not_ready->status == 503);
  CHECK(not_ready->body == R"({"ready":false})");
  CHECK(not_ready->content_type == "application/json");

  auto missing = get(loopback(daemon.port()), "/api/nothing", 5s);
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK_THAT(missing->body, Catch::Contains("no such endpoint"));
}

TEST_CASE("a GET goes below the base URL's path prefix") {
  canned_daemon daemon;
  daemon.answer("/api/health", 200, R"({"status":"ok"})");
  auto prefixed = parse_base_url(daemon.url() + "/api/");
  REQUIRE(prefixed);

  auto health = get(*prefixed, "/health", 5s);
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == R"({"status":"ok"})");
}

TEST_CASE("a GET to a closed port fails at once with the reason") {
  const auto before = std::chrono::steady_clock::now();
  auto refused = get(loopback(closed_port()), "/api/health", 5s);
  REQUIRE_FALSE(refused);
  CHECK(refused.failure().message == "Connection refused");
  CHECK(std::chrono::steady_clock::now() - before < 2s);
}

TEST_CASE("a GET to a daemon that never answers gives up after the timeout") {
  silent_listener silent;
  const auto before = std::chrono::steady_clock::now();
  auto silence = get(loopback(silent.port()), "/api/health", 300ms);
  const auto waited = std::chrono::steady_clock::now() - before;
  REQUIRE_FALSE(silence);
  CHECK(silence.failure().message == "no response within 300 ms");
  CHECK(waited >= 300ms);
  CHECK(waited < 3s);
}
