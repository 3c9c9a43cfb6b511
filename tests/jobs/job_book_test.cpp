// A periodic job's book: one run at a time, a schedule that does not drift,
// disabled jobs run only when asked, and the bounded history.
#include "runtime/jobs/job_book.hpp"

#include <catch2/catch.hpp>

using namespace troupe::jobs;

namespace {

constexpr std::int64_t minute = 60'000;

job_book started(job_book book, run_trigger trigger, const std::string& id, std::int64_t now) {
  auto decision = start_run(std::move(book), trigger, id, now);
  REQUIRE(decision.started);
  return decision.book;
}

}  // namespace

TEST_CASE("a job's first timed run is due one interval after it opens, not at once") {
  const auto book = open_book("plan", true, 10 * minute, 1000);
  CHECK_FALSE(timed_run_due(book, 1000));
  CHECK_FALSE(timed_run_due(book, 1000 + 10 * minute - 1));
  CHECK(timed_run_due(book, 1000 + 10 * minute));
}

TEST_CASE(
    "a timed run moves the schedule on by the interval from when it was due, however long it "
    "takes") {
  auto book = open_book("plan", true, 10 * minute, 0);
  book = started(book, run_trigger::timer, "r1", 10 * minute + 500);  // the timer fired late
  CHECK(book.next_run_at_ms == 20 * minute);
  book = finish_run(book, "r1", true, "queued 2", 19 * minute);  // a slow run
  CHECK(book.next_run_at_ms == 20 * minute);
  REQUIRE(book.history.size() == 1);
  CHECK(book.history.front().outcome == run_outcome::succeeded);
  CHECK(book.history.front().summary == "queued 2");
  CHECK(book.history.front().finished_at_ms == 19 * minute);
}

TEST_CASE("a job with jitter comes the drawn jitter later than its interval, and only a timer's run moves it") {
  auto book = open_book("reply", true, 15 * minute, 0);
  auto decision = start_run(book, run_trigger::timer, "r1", 15 * minute, 7 * minute);
  REQUIRE(decision.started);
  CHECK(decision.book.next_run_at_ms == 37 * minute);  // 15 + 15 + 7: between 15 and 30 minutes apart
  book = finish_run(decision.book, "r1", true, "", 16 * minute);
  auto asked = start_run(book, run_trigger::operator_request, "r2", 20 * minute, 9 * minute);
  REQUIRE(asked.started);
  CHECK(asked.book.next_run_at_ms == 37 * minute);
}

TEST_CASE(
    "a timer far behind (the host slept) runs once and the next run is on the grid after now") {
  auto book = open_book("plan", true, 10 * minute, 0);
  book = started(book, run_trigger::timer, "r1", 95 * minute);
  CHECK(book.next_run_at_ms == 100 * minute);
  CHECK(book.runs_started == 1);
}

TEST_CASE(
    "only one run at a time: a timer during a run is recorded skipped, an operator is refused") {
  auto book = open_book("reply", true, minute, 0);
  book = started(book, run_trigger::operator_request, "r1", 10);
  CHECK(book.next_run_at_ms == minute);  // an operator's run leaves the schedule alone

  auto by_timer = start_run(book, run_trigger::timer, "r2", minute);
  CHECK_FALSE(by_timer.started);
  CHECK(by_timer.refusal == "the previous run is still going");
  REQUIRE(by_timer.book.history.size() == 1);
  CHECK(by_timer.book.history.front().outcome == run_outcome::skipped);
  CHECK(by_timer.book.history.front().trigger == run_trigger::timer);
  CHECK(by_timer.book.next_run_at_ms == 2 * minute);
  CHECK(by_timer.book.current->run_id == "r1");

  auto by_operator = start_run(by_timer.book, run_trigger::operator_request, "r3", minute + 1);
  CHECK_FALSE(by_operator.started);
  CHECK(by_operator.book.history.size() == 1);  // a refusal is answered, not recorded

  book = finish_run(by_operator.book, "r1", false, "store unreachable", minute + 2);
  CHECK_FALSE(book.current);
  CHECK(book.history.front().outcome == run_outcome::failed);
  CHECK(start_run(book, run_trigger::operator_request, "r4", minute + 3).started);
}

TEST_CASE("the end of a run the book does not know changes nothing") {
  auto book = started(open_book("plan", true, minute, 0), run_trigger::timer, "r1", minute);
  const auto after = finish_run(book, "r0", true, "stale", 2 * minute);
  CHECK(after.current->run_id == "r1");
  CHECK(after.history.empty());
}

TEST_CASE("a disabled job has no timed run, yet an operator may run it") {
  auto book = open_book("plan", false, minute, 0);
  CHECK_FALSE(book.next_run_at_ms);
  CHECK_FALSE(timed_run_due(book, 100 * minute));
  CHECK(start_run(book, run_trigger::operator_request, "r1", 5).started);
}

TEST_CASE("a reload reschedules only when the job's enabled flag or interval changed") {
  auto book = open_book("plan", true, 10 * minute, 0);
  CHECK(reconfigure(book, true, 10 * minute, 7 * minute).next_run_at_ms == 10 * minute);
  CHECK(reconfigure(book, true, 2 * minute, 7 * minute).next_run_at_ms == 9 * minute);
  const auto disabled = reconfigure(book, false, 10 * minute, 7 * minute);
  CHECK_FALSE(disabled.next_run_at_ms);
  CHECK(reconfigure(disabled, true, 10 * minute, 8 * minute).next_run_at_ms == 18 * minute);
}

TEST_CASE("the history keeps the newest runs, at most history_limit") {
  auto book = open_book("plan", true, minute, 0);
  for (int i = 0; i < static_cast<int>(history_limit) + 5; ++i) {
    const auto id = "r" + std::to_string(i);
    book = started(book, run_trigger::operator_request, id, i * 10);
    book = finish_run(book, id, true, "", i * 10 + 1);
  }
  REQUIRE(book.history.size() == history_limit);
  CHECK(book.history.front().run_id == "r" + std::to_string(history_limit + 4));
  CHECK(book.history.back().run_id == "r5");
  CHECK(to_string(run_outcome::skipped) == std::string("skipped"));
  CHECK(to_string(run_trigger::operator_request) == std::string("operator"));
}
