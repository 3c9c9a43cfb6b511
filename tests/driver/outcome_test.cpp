#include "runtime/driver/outcome.hpp"

#include <catch2/catch.hpp>
#include <string>

using troupe::driver::classify_exit;
using troupe::driver::outcome_kind;

TEST_CASE("classify_exit maps the contract's exit codes to outcome kinds") {
  const std::pair<int, outcome_kind> table[] = {
      {0, outcome_kind::success},       {2, outcome_kind::transient},
      {3, outcome_kind::auth_required}, {4, outcome_kind::no_targets},
      {124, outcome_kind::timeout},     {1, outcome_kind::hard_error},
      {5, outcome_kind::hard_error},    {64, outcome_kind::hard_error},
      {137, outcome_kind::hard_error},  {143, outcome_kind::hard_error},
      {255, outcome_kind::hard_error},  {-1, outcome_kind::hard_error},
  };
  for (const auto& [code, kind] : table) {
    INFO("exit code " << code);
    CHECK(classify_exit(code) == kind);
  }
}

TEST_CASE("every outcome kind has the name events and the API use") {
  CHECK(std::string(to_string(outcome_kind::success)) == "success");
  CHECK(std::string(to_string(outcome_kind::transient)) == "transient");
  CHECK(std::string(to_string(outcome_kind::auth_required)) == "auth_required");
  CHECK(std::string(to_string(outcome_kind::no_targets)) == "no_targets");
  CHECK(std::string(to_string(outcome_kind::hard_error)) == "hard_error");
  CHECK(std::string(to_string(outcome_kind::timeout)) == "timeout");
  CHECK(std::string(to_string(outcome_kind::spawn_failed)) == "spawn_failed");
  CHECK(std::string(to_string(outcome_kind::cancelled)) == "cancelled");
}
