#include <catch2/catch.hpp>

#include "runtime/aol/tree_session_runner.hpp"

using troupe::aol::after_local_answer;
using troupe::aol::local_answer_next;

TEST_CASE("on one node the tree's answer to a RUN_SESSION is its outcome, refusals included") {
  for (const char* refusal : {"", "busy", "sleep_window", "not_here", "retiring", "unknown_activity"}) {
    CAPTURE(refusal);
    CHECK(after_local_answer(refusal, false) == local_answer_next::finish);
  }
}

TEST_CASE("in a cluster a RUN_SESSION goes to the pod's node, and waits while the pod moves") {
  CHECK(after_local_answer("not_here", true) == local_answer_next::route);
  // Its node lost the pod's lease: the account retires with the pod, which
  // goes to another node (a CI run under load failed such an action for good).
  CHECK(after_local_answer("retiring", true) == local_answer_next::ask_again);
  for (const char* refusal : {"", "busy", "sleep_window", "paused", "unknown_activity"}) {
    CAPTURE(refusal);
    CHECK(after_local_answer(refusal, true) == local_answer_next::finish);
  }
}
