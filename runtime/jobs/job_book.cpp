#include "runtime/jobs/job_book.hpp"

#include <utility>

namespace troupe::jobs {
namespace {

constexpr const char* still_running = "the previous run is still going";

void remember(job_book& book, job_run run) {
  book.history.push_front(std::move(run));
  while (book.history.size() > history_limit) book.history.pop_back();
}

// The first instant after `now_ms` on the grid `due, due + every, ...` (rule 2).
std::int64_t next_on_grid(std::int64_t due, std::int64_t every_ms, std::int64_t now_ms) {
  if (due > now_ms) return due;
  const auto behind = (now_ms - due) / every_ms + 1;
  return due + behind * every_ms;
}

}  // namespace

const char* to_string(run_trigger trigger) {
  return trigger == run_trigger::timer ? "timer" : "operator";
}

const char* to_string(run_outcome outcome) {
  switch (outcome) {
    case run_outcome::running:
      return "running";
    case run_outcome::succeeded:
      return "succeeded";
    case run_outcome::failed:
      return "failed";
    case run_outcome::skipped:
      return "skipped";
  }
  return "running";
}

job_book open_book(std::string name, bool enabled, std::int64_t every_ms, std::int64_t now_ms) {
  job_book book;
  book.name = std::move(name);
  book.enabled = enabled;
  book.every_ms = every_ms;
  if (enabled) book.next_run_at_ms = now_ms + every_ms;
  return book;
}

job_book reconfigure(job_book book, bool enabled, std::int64_t every_ms, std::int64_t now_ms) {
  if (book.enabled == enabled && book.every_ms == every_ms) return book;
  book.enabled = enabled;
  book.every_ms = every_ms;
  book.next_run_at_ms.reset();
  if (enabled) book.next_run_at_ms = now_ms + every_ms;
  return book;
}

start_decision start_run(job_book book, run_trigger trigger, std::string run_id,
                         std::int64_t now_ms, std::int64_t jitter_ms) {
  if (trigger == run_trigger::timer && book.next_run_at_ms) {
    book.next_run_at_ms = next_on_grid(*book.next_run_at_ms, book.every_ms, now_ms) + jitter_ms;
  }
  if (book.current) {
    if (trigger == run_trigger::timer) {
      remember(book, job_run{std::move(run_id), trigger, now_ms, now_ms, run_outcome::skipped,
                             still_running});
    }
    return {std::move(book), false, still_running};
  }
  book.current =
      job_run{std::move(run_id), trigger, now_ms, std::nullopt, run_outcome::running, ""};
  ++book.runs_started;
  return {std::move(book), true, ""};
}

job_book finish_run(job_book book, const std::string& run_id, bool succeeded, std::string summary,
                    std::int64_t now_ms) {
  if (!book.current || book.current->run_id != run_id) return book;
  auto run = std::move(*book.current);
  book.current.reset();
  run.finished_at_ms = now_ms;
  run.outcome = succeeded ? run_outcome::succeeded : run_outcome::failed;
  run.summary = std::move(summary);
  remember(book, std::move(run));
  return book;
}

bool timed_run_due(const job_book& book, std::int64_t now_ms) {
  return book.next_run_at_ms && *book.next_run_at_ms <= now_ms;
}

}  // namespace troupe::jobs
