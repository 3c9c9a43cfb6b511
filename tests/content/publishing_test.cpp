// Reading a post attempt's and a lookup's driver outcome: only what the
// driver contract makes certain is retried or failed; everything else is
// unknown, for a reconcile, never a blind retry. And the operator's answers.
#include <catch2/catch.hpp>

#include "runtime/content/publishing.hpp"

using namespace troupe;
using content::post_result;
using driver::outcome_kind;

namespace {

driver::driver_outcome ended(outcome_kind kind, int exit_code, std::optional<std::string> result = std::nullopt) {
  driver::driver_outcome outcome;
  outcome.kind = kind;
  outcome.exit_code = exit_code;
  outcome.result_json = std::move(result);
  outcome.error = "exit " + std::to_string(exit_code);
  return outcome;
}

}  // namespace

TEST_CASE("a post with a platform id is posted and one without is unknown") {
  const auto posted = content::classify_post(ended(outcome_kind::success, 0, R"({"post_id":"sim-1","posted":true})"));
  CHECK(posted.result == post_result::kind::posted);
  CHECK(posted.post_id == "sim-1");
  const auto no_id = content::classify_post(ended(outcome_kind::success, 0, R"({"posted":true})"));
  CHECK(no_id.result == post_result::kind::unknown);
  CHECK(content::classify_post(ended(outcome_kind::success, 0)).result == post_result::kind::unknown);
  CHECK(content::classify_post(ended(outcome_kind::success, 0, "[1]")).result == post_result::kind::unknown);
}

TEST_CASE("exit 2 is retried and the contract's other exits fail") {
  CHECK(content::classify_post(ended(outcome_kind::transient, 2)).result == post_result::kind::not_posted);
  for (const auto kind : {outcome_kind::auth_required, outcome_kind::no_targets, outcome_kind::spawn_failed}) {
    CAPTURE(driver::to_string(kind));
    CHECK(content::classify_post(ended(kind, 3)).result == post_result::kind::failed);
  }
  const auto hard = content::classify_post(ended(outcome_kind::hard_error, 1));
  CHECK(hard.result == post_result::kind::failed);
  CHECK(hard.reason == "driver post: exit 1");
}

TEST_CASE("a timeout and a cancel and a death by a signal leave the outcome unknown") {
  CHECK(content::classify_post(ended(outcome_kind::timeout, 124)).result == post_result::kind::unknown);
  CHECK(content::classify_post(ended(outcome_kind::cancelled, 143)).result == post_result::kind::unknown);
  CHECK(content::classify_post(ended(outcome_kind::hard_error, 128 + 9)).result == post_result::kind::unknown);
}

TEST_CASE("a lookup says found with its id or not found and anything else cannot tell") {
  using content::lookup_result;
  const auto found = content::classify_lookup(ended(outcome_kind::success, 0, R"({"found":true,"post_id":"sim-9"})"));
  CHECK(found.result == lookup_result::kind::found);
  CHECK(found.post_id == "sim-9");
  CHECK(content::classify_lookup(ended(outcome_kind::success, 0, R"({"found":false})")).result ==
        lookup_result::kind::not_found);
  CHECK(content::classify_lookup(ended(outcome_kind::success, 0, R"({"found":true})")).result ==
        lookup_result::kind::unknown);
  CHECK(content::classify_lookup(ended(outcome_kind::success, 0, R"({"found":"yes"})")).result ==
        lookup_result::kind::unknown);
  CHECK(content::classify_lookup(ended(outcome_kind::success, 0)).result == lookup_result::kind::unknown);
  const auto failed = content::classify_lookup(ended(outcome_kind::transient, 2, R"({"found":false})"));
  CHECK(failed.result == lookup_result::kind::unknown);
  CHECK(failed.reason == "driver lookup: exit 2");
}

TEST_CASE("the operator answers posted with an id or retry or drop and nothing else") {
  using kind = content::operator_answer::kind;
  const auto posted = content::parse_operator_answer("posted:1234");
  REQUIRE(posted);
  CHECK(posted->answer == kind::mark_posted);
  CHECK(posted->post_id == "1234");
  CHECK(content::parse_operator_answer("retry")->answer == kind::retry);
  CHECK(content::parse_operator_answer("drop")->answer == kind::drop);
  for (const char* not_an_answer : {"posted:", "posted", "Retry", "", "skip"}) {
    CAPTURE(not_an_answer);
    CHECK_FALSE(content::parse_operator_answer(not_an_answer));
  }
}
