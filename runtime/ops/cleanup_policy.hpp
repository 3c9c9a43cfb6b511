// job:cleanup's decisions, without touching a disk or a database: which
// files in the directories it looks after are its own, which of them go
// (older than cleanup.keepDays and not in use), and the line that says what
// went. The job's shell (cleanup_job.hpp) lists the files, removes them and
// prunes the queue. Pure functions of their arguments; thread-safe.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/time_units.hpp"

namespace troupe::ops {

// What a file is to the cleanup; each kind lives in a directory of its own.
enum class cleanup_kind {
  session_log,     // drivers.logDir/SESSION.log
  proof_artifact,  // DATA_DIR/proof/ID-ATTEMPT.json (and .partial-PID of an interrupted write)
  status_report,   // DATA_DIR/reports/report-*.json and report-*.txt (and their .partial-PID)
};

// "session logs", "PROOF artifacts", "report files": how the summary names
// the kind.
const char* plural_name(cleanup_kind kind);

// Whether a regular file named `name`, directly in the directory of `kind`,
// is one the cleanup may remove: "*.log" for session logs, any file for
// PROOF artifacts, "report-*.json" and "report-*.txt" for reports, with the
// ".partial-PID" an interrupted write left (other files the operator puts
// there are left alone).
bool is_cleanup_file(cleanup_kind kind, std::string_view name);

struct dated_file {
  std::string path;  // compared as it is with the paths in use
  cleanup_kind kind = cleanup_kind::session_log;
  std::int64_t modified_at_ms = 0;
  std::uint64_t size_bytes = 0;
};

using time_units::day_ms;

struct cleanup_plan {
  std::vector<dated_file> remove;       // old enough and not in use, in the order given
  std::vector<dated_file> kept_in_use;  // old enough, but in use: left alone
};

// Splits `files` at `now_ms`: a file goes once it was last modified more
// than `keep_days` days ago (exactly keep_days days old stays), unless its
// path is in `in_use` (the log of a running session, the artifact of an
// action still waiting as PROOFED), which keeps it whatever its age.
cleanup_plan plan_cleanup(const std::vector<dated_file>& files, std::int64_t now_ms, int keep_days,
                          const std::set<std::string>& in_use);

// What one run removed, kept and failed to remove.
struct cleanup_tally {
  struct removed_files {
    std::int64_t count = 0;
    std::uint64_t bytes = 0;
  };
  removed_files session_logs, proof_artifacts, status_reports;
  std::int64_t queue_rows = 0;  // finished actions pruned
  std::int64_t kept_in_use = 0;
  std::int64_t failed = 0;  // files that could not be removed

  removed_files& of(cleanup_kind kind);
  void add_removed(const dated_file& file);
};

// "removed 2 session logs (4096 bytes), 0 PROOF artifacts (0 bytes), 1
// report files (120 bytes) and 3 queue rows; kept 1 file in use", with ";
// N files could not be removed" when some failed.
std::string cleanup_summary(const cleanup_tally& tally);

}  // namespace troupe::ops
