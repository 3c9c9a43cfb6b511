// Fatal issues: what made the daemon give up (its supervisor escalated, its
// migrations failed, its store could not be opened at start). Each is kept
// twice: in DATA_DIR/fatal-issues.json (aol.dataDir; the newest
// fatal_issues_kept, newest first, written atomically), which needs no
// database, and as a `fatal_issues` row when the database answers. The
// next start that reaches the database adds the file's issues it lacks to
// the table and notifies them (runtime/ops/notify.hpp); readers merge both.
//
// Identity: an issue is (at_ms, kind, node); the same issue in the file and
// the table is shown once, with the row's id. Messages and details never
// hold the database URL's password: record_fatal_issue redacts it.
//
// Thread-safe, except that two processes writing the same data directory
// at the same instant may lose one file write (the table keeps it).
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "runtime/ops/alerts.hpp"
#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::ops {

// The kinds of fatal issue.
constexpr const char* supervisor_escalated = "supervisor_escalated";
constexpr const char* migration_failed = "migration_failed";
constexpr const char* store_unreachable = "store_unreachable";

// How many issues the file keeps.
constexpr std::size_t fatal_issues_kept = 20;

struct fatal_issue {
  std::optional<std::int64_t> id;  // the row's id, once stored
  std::int64_t at_ms = 0;
  std::string kind;
  std::string message;  // one line: what happened
  std::string detail;   // the error behind it
  std::string node;     // the host
  bool stored = false;  // in the table (in the file: the table had it when the file was written)
};

// Returns true iff `a` and `b` are the same issue (at_ms, kind and node).
bool same_fatal_issue(const fatal_issue& a, const fatal_issue& b);

// DATA_DIR/fatal-issues.json.
std::filesystem::path fatal_issue_file(const std::string& data_dir);

// The issues of both lists, one per identity (the stored one, with its id,
// wins), newest first, at most `limit`.
std::vector<fatal_issue> merge_fatal_issues(std::vector<fatal_issue> from_table,
                                            std::vector<fatal_issue> from_file, std::size_t limit);

// `text` without the password of `db_url` (nor the URL itself, shown
// redacted instead).
std::string without_database_secret(std::string text, const std::string& db_url);

// {"id"?, "at_ms", "at" (RFC 3339), "kind", "message", "detail", "node", "stored"}.
boost::json::object to_json(const fatal_issue& issue);

// The issue as the daemon notifies it: alertname fatal_issue, kind, node,
// severity critical; summary (the message) and description (the detail);
// firing since at_ms.
alert fatal_issue_alert(const fatal_issue& issue);

// The file's issues, newest first; none when there is no file.
result<std::vector<fatal_issue>> read_fatal_issue_file(const std::filesystem::path& path);

// What record_fatal_issue managed.
struct recorded {
  status file;   // written to DATA_DIR/fatal-issues.json
  status table;  // stored (and notified) in the database; an error when `db` was null
};

// What the daemon calls before it gives up: redacts the database URL's
// secret from the message and detail, sets `node` (this host) when empty,
// writes the file, then, with `db`, stores the row and queues its
// notification in one transaction (a failure leaves both to the next start)
// and writes the file again marked stored. Logs nothing: the caller logs.
recorded record_fatal_issue(fatal_issue issue, const config::troupe_config& config,
                            store::database* db);

// At start, with the database migrated: stores and notifies (at `now_ms`)
// the file's issues not marked stored that the table lacks, each in one
// transaction, then marks them stored in the file. Returns how many were
// added.
result<int> store_fatal_issues_from_file(store::database& db, const config::troupe_config& config,
                                         std::int64_t now_ms);

// The fatal issues for GET /api/fatal-issues and `troupe report`.
struct fatal_issue_report {
  std::vector<fatal_issue> issues;            // newest first, de-duplicated
  std::optional<std::string> database_error;  // the table could not be read (or db was null)
  std::optional<std::string> file_error;      // the file could not be read
};

// The issues of the table (when `db` is given) and of the file in
// `data_dir`, merged: newest first, one per identity, at most `limit`.
fatal_issue_report read_fatal_issues(store::database* db, const std::string& data_dir,
                                     std::size_t limit = fatal_issues_kept);

// {"fatal_issues": [...], "file": path, "database_error"?: ..., "file_error"?: ...}.
boost::json::object to_json(const fatal_issue_report& report, const std::string& data_dir);

}  // namespace troupe::ops
