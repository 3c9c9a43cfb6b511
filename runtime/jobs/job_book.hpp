// What one periodic job knows about its runs: whether one is running, when
// the next timed run is due, and the last runs with their outcomes. The
// job actor (actors/jobs/) keeps one book and only stores what these
// functions return; the rules live here, tested without CAF.
//
// Rules:
//   1. At most one run at a time. A timer that fires during a run records a
//      `skipped` run ("the previous run is still going") and a request by an
//      operator is refused with that reason; neither waits.
//   2. A timed run is due `everyMs` after the previous timed run was due
//      (not after it ended), so a slow run does not drift the schedule; a
//      timer that fell far behind (the host slept) runs once, not in a burst.
//      A job with jitter comes a random 0..jitterMs later than that (the
//      caller draws it), so runs are everyMs..everyMs + jitterMs apart.
//   3. A disabled job has no next timed run; an operator may still run it.
//   4. The last `history_limit` runs are kept, newest first.
// Plain values and pure functions; not thread-safe (one owner).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace troupe::jobs {

enum class run_trigger { timer, operator_request };
enum class run_outcome { running, succeeded, failed, skipped };

const char* to_string(run_trigger trigger);
const char* to_string(run_outcome outcome);

struct job_run {
  std::string run_id;
  run_trigger trigger = run_trigger::timer;
  std::int64_t started_at_ms = 0;
  std::optional<std::int64_t> finished_at_ms;
  run_outcome outcome = run_outcome::running;
  std::string summary;  // what the run did, or why it failed or was skipped
};

struct job_book {
  std::string name;  // "plan", "reply", ...
  bool enabled = true;
  std::int64_t every_ms = 3'600'000;
  std::optional<std::int64_t> next_run_at_ms;  // the next timed run; none when disabled
  std::optional<job_run> current;              // the run in progress
  std::deque<job_run> history;                 // finished and skipped runs, newest first
  std::uint64_t runs_started = 0;
};

constexpr std::size_t history_limit = 20;

// A new book for a job configured at `now_ms`: its first timed run is due
// one interval after start (a restart does not run it at once).
job_book open_book(std::string name, bool enabled, std::int64_t every_ms, std::int64_t now_ms);

// The book after a reload set `enabled` and `every_ms`: the next timed run
// is recomputed from `now_ms` only when they changed.
job_book reconfigure(job_book book, bool enabled, std::int64_t every_ms, std::int64_t now_ms);

// What asking for a run decided.
struct start_decision {
  job_book book;
  bool started = false;
  std::string refusal;  // when not started: why
};

// Starts a run with id `run_id` (rule 1). A timer-triggered start also
// moves the next timed run on (rule 2), `jitter_ms` (>= 0) later.
start_decision start_run(job_book book, run_trigger trigger, std::string run_id,
                         std::int64_t now_ms, std::int64_t jitter_ms = 0);

// The book after the current run `run_id` ended; a stale id (a run the
// book no longer knows) changes nothing.
job_book finish_run(job_book book, const std::string& run_id, bool succeeded, std::string summary,
                    std::int64_t now_ms);

// True iff a timed run is due at `now_ms`.
bool timed_run_due(const job_book& book, std::int64_t now_ms);

}  // namespace troupe::jobs
