// job:cleanup's decisions as an operator relies on them: which files are the
// cleanup's own, that only files older than cleanup.keepDays go, and that a
// file in use (a running session's log) stays whatever its age.
#include "runtime/ops/cleanup_policy.hpp"

#include <catch2/catch.hpp>

using namespace troupe::ops;

namespace {

constexpr std::int64_t now_ms = 1'800'000'000'000;

dated_file file(const std::string& path, std::int64_t age_ms,
                cleanup_kind kind = cleanup_kind::session_log, std::uint64_t size = 100) {
  return {path, kind, now_ms - age_ms, size};
}

std::vector<std::string> paths(const std::vector<dated_file>& files) {
  std::vector<std::string> listed;
  for (const auto& each : files) listed.push_back(each.path);
  return listed;
}

}  // namespace

TEST_CASE("the cleanup removes only its own kinds of file from each directory") {
  CHECK(is_cleanup_file(cleanup_kind::session_log, "s-1234.log"));
  CHECK_FALSE(is_cleanup_file(cleanup_kind::session_log, ".log"));
  CHECK_FALSE(is_cleanup_file(cleanup_kind::session_log, "notes.txt"));
  CHECK_FALSE(is_cleanup_file(cleanup_kind::session_log, "s-1234.log.gz"));

  CHECK(is_cleanup_file(cleanup_kind::proof_artifact, "17-1.json"));
  CHECK(is_cleanup_file(cleanup_kind::proof_artifact, "17-1.json.partial-4242"));

  CHECK(is_cleanup_file(cleanup_kind::status_report, "report-20261206T180000Z.json"));
  CHECK(is_cleanup_file(cleanup_kind::status_report, "report-20261206T180000Z.txt"));
  CHECK_FALSE(is_cleanup_file(cleanup_kind::status_report, "report-.json"));
  CHECK_FALSE(is_cleanup_file(cleanup_kind::status_report, "latest.json"));
  CHECK_FALSE(is_cleanup_file(cleanup_kind::status_report, "report-20261206T180000Z.html"));
  CHECK_FALSE(is_cleanup_file(cleanup_kind::status_report, "README.txt"));
  CHECK(is_cleanup_file(cleanup_kind::status_report, "report-20261206T180000Z.json.partial-4242"));
  CHECK_FALSE(
      is_cleanup_file(cleanup_kind::status_report, "report-20261206T180000Z.json.partial-"));
  CHECK_FALSE(is_cleanup_file(cleanup_kind::status_report, "notes.txt.partial-4242"));
}

TEST_CASE("a file goes once it is older than keepDays, and one exactly keepDays old stays") {
  const std::vector<dated_file> files{
      file("/logs/fresh.log", 0), file("/logs/day-6.log", 6 * day_ms),
      file("/logs/exactly-7.log", 7 * day_ms), file("/logs/just-over.log", 7 * day_ms + 1),
      file("/logs/month.log", 30 * day_ms)};
  const auto plan = plan_cleanup(files, now_ms, 7, {});
  CHECK(paths(plan.remove) == std::vector<std::string>{"/logs/just-over.log", "/logs/month.log"});
  CHECK(plan.kept_in_use.empty());

  CHECK(paths(plan_cleanup(files, now_ms, 1, {}).remove) ==
        std::vector<std::string>{"/logs/day-6.log", "/logs/exactly-7.log", "/logs/just-over.log",
                                 "/logs/month.log"});
}

TEST_CASE("a running session's log is never removed, however old") {
  const std::vector<dated_file> files{file("/logs/running.log", 40 * day_ms),
                                      file("/logs/ended.log", 40 * day_ms),
                                      file("/logs/running-fresh.log", day_ms)};
  const auto plan =
      plan_cleanup(files, now_ms, 7, {"/logs/running.log", "/logs/running-fresh.log"});
  CHECK(paths(plan.remove) == std::vector<std::string>{"/logs/ended.log"});
  // Only what the age alone would have removed counts as kept in use.
  CHECK(paths(plan.kept_in_use) == std::vector<std::string>{"/logs/running.log"});
}

TEST_CASE("a file modified in the future (a clock step back) stays") {
  const auto plan = plan_cleanup({file("/logs/ahead.log", -day_ms)}, now_ms, 7, {});
  CHECK(plan.remove.empty());
}

TEST_CASE("the cleanup's summary says what went, by kind, with bytes and queue rows") {
  cleanup_tally tally;
  tally.add_removed(file("/logs/a.log", 0, cleanup_kind::session_log, 4000));
  tally.add_removed(file("/logs/b.log", 0, cleanup_kind::session_log, 96));
  tally.add_removed(file("/data/proof/1-1.json", 0, cleanup_kind::proof_artifact, 300));
  tally.add_removed(file("/data/reports/report-x.txt", 0, cleanup_kind::status_report, 20));
  tally.queue_rows = 3;
  tally.kept_in_use = 1;
  CHECK(cleanup_summary(tally) ==
        "removed 2 session logs (4096 bytes), 1 PROOF artifacts (300 bytes), 1 report files (20 "
        "bytes) and "
        "3 queue rows; kept 1 file in use");
  tally.failed = 2;
  tally.kept_in_use = 0;
  CHECK(cleanup_summary(tally) ==
        "removed 2 session logs (4096 bytes), 1 PROOF artifacts (300 bytes), 1 report files (20 "
        "bytes) and "
        "3 queue rows; kept 0 files in use; 2 files could not be removed");
}
