#include "runtime/driver/invocation.hpp"

#include <stdlib.h>

#include <catch2/catch.hpp>

using namespace troupe::driver;
using strings = std::vector<std::string>;

TEST_CASE("a count session's arguments follow the contract's order") {
  CHECK(session_arguments("follow.js", "acct-1", 12, std::nullopt, "s-42", false, {}) ==
        strings{"follow.js", "--profile", "acct-1", "--count", "12", "--session", "s-42"});
}

TEST_CASE("a seconds session in proof mode ends with --proof and the extra arguments") {
  CHECK(session_arguments("stories.js", "acct-1", std::nullopt, 120, "s-1", true,
                          {"--targets", "/t/acct-1.txt", "--cursor", "7"}) ==
        strings{"stories.js", "--profile", "acct-1", "--seconds", "120", "--session", "s-1",
                "--proof", "--targets", "/t/acct-1.txt", "--cursor", "7"});
}

TEST_CASE("a verb's arguments name the verb after its script") {
  CHECK(verb_arguments("recover.js", "recover", "acct-1", "s-9", false, {"--step", "homepage"}) ==
        strings{"recover.js", "recover", "--profile", "acct-1", "--session", "s-9", "--step",
                "homepage"});
}

TEST_CASE("a verb without profile or session leaves those options out") {
  CHECK(verb_arguments("post.js", "post", "", "", true, {"--idempotency-key", "k-1"}) ==
        strings{"post.js", "post", "--proof", "--idempotency-key", "k-1"});
}

TEST_CASE("a driver's environment has the basic variables, the named secrets and the extras") {
  const std::map<std::string, std::string> daemon{{"PATH", "/usr/bin"},
                                                  {"HOME", "/home/t"},
                                                  {"API_TOKEN", "s3cret"},
                                                  {"DATABASE_URL", "pg://"},
                                                  {"MODE", "daemon"}};
  const auto env =
      child_environment(daemon, {"API_TOKEN"}, {{"MODE", "driver"}, {"HEADLESS", "1"}});
  CHECK(env == std::map<std::string, std::string>{{"PATH", "/usr/bin"},
                                                  {"HOME", "/home/t"},
                                                  {"API_TOKEN", "s3cret"},
                                                  {"MODE", "driver"},
                                                  {"HEADLESS", "1"}});
}

TEST_CASE("a named variable the daemon does not have is left out, not set empty") {
  const auto env = child_environment({{"PATH", "/bin"}}, {"MISSING_TOKEN"}, {});
  CHECK(env.count("MISSING_TOKEN") == 0);
  CHECK(env.size() == 1);
}

TEST_CASE("the daemon's environment is read from the process") {
  ::setenv("TROUPE_DRIVER_TEST_VARIABLE", "a=b", 1);
  const auto env = daemon_environment();
  ::unsetenv("TROUPE_DRIVER_TEST_VARIABLE");
  REQUIRE(env.count("TROUPE_DRIVER_TEST_VARIABLE") == 1);
  CHECK(env.at("TROUPE_DRIVER_TEST_VARIABLE") == "a=b");
}
