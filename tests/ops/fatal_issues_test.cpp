// Item 2 (fatal issues): the file in the data directory, merging it with
// the table, keeping secrets out, without a database.
#include "runtime/ops/fatal_issues.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "tests/support/command.hpp"

using namespace troupe::ops;
using troupe::testing::read_file;
using troupe::testing::temp_dir;
namespace json = boost::json;

namespace {

fatal_issue issue_at(std::int64_t at_ms, const std::string& kind, const std::string& node = "n1") {
  fatal_issue issue;
  issue.at_ms = at_ms;
  issue.kind = kind;
  issue.message = kind + " at " + std::to_string(at_ms);
  issue.detail = "why";
  issue.node = node;
  return issue;
}

troupe::config::troupe_config config_in(const temp_dir& dir, const std::string& db_url) {
  troupe::config::troupe_config config;
  config.aol.data_dir = dir.file("data");
  config.db.url = db_url;
  return config;
}

}  // namespace

TEST_CASE(
    "the same issue from the table and the file is listed once, with its row id, newest first") {
  auto stored = issue_at(2000, store_unreachable);
  stored.id = 7;
  stored.stored = true;
  const auto merged =
      merge_fatal_issues({stored, issue_at(1000, migration_failed)},
                         {issue_at(2000, store_unreachable), issue_at(3000, supervisor_escalated),
                          issue_at(2000, store_unreachable, "n2")},
                         10);
  REQUIRE(merged.size() == 4);
  CHECK(merged[0].kind == supervisor_escalated);
  CHECK(merged[1].kind == store_unreachable);
  CHECK(merged[1].id == 7);
  CHECK(merged[2].node == "n2");  // another node's issue at the same instant is another issue
  CHECK(merged[3].kind == migration_failed);
  CHECK(merge_fatal_issues({}, {issue_at(1, "a"), issue_at(2, "b"), issue_at(3, "c")}, 2).size() ==
        2);
}

TEST_CASE("the database URL's password never reaches a fatal issue's text") {
  const std::string url = "postgresql://troupe:hunter2-secret@db.example:5432/troupe";
  const auto text = without_database_secret(
      "cannot open database " + url + ": password hunter2-secret rejected", url);
  CHECK(text.find("hunter2-secret") == std::string::npos);
  CHECK(text ==
        "cannot open database postgresql://troupe:<redacted>@db.example:5432/troupe: password "
        "<redacted> rejected");
  const std::string query_url = "postgresql://db.example/troupe?user=troupe&password=p4ss";
  CHECK(without_database_secret("at " + query_url, query_url).find("p4ss") == std::string::npos);
  CHECK(without_database_secret("sqlite:/tmp/x.db is locked", "sqlite:/tmp/x.db") ==
        "sqlite:/tmp/x.db is locked");
}

TEST_CASE(
    "a fatal issue is written to the data directory's file without a database, newest first") {
  temp_dir dir;
  const auto config = config_in(dir, "postgresql://troupe:hunter2@127.0.0.1:1/troupe");
  fatal_issue first = issue_at(1000, store_unreachable, "");
  first.detail = "cannot open database postgresql://troupe:hunter2@127.0.0.1:1/troupe: refused";
  const auto recorded = record_fatal_issue(first, config, nullptr);
  CHECK(recorded.file.ok());
  CHECK_FALSE(recorded.table.ok());
  record_fatal_issue(issue_at(2000, supervisor_escalated), config, nullptr);

  const auto path = fatal_issue_file(config.aol.data_dir);
  CHECK(path == dir.path() / "data" / "fatal-issues.json");
  const auto text = read_file(path.string());
  CHECK(text.find("hunter2") == std::string::npos);
  const auto listed = json::parse(text).at("fatal_issues").as_array();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].at("kind").as_string() == supervisor_escalated);
  CHECK(listed[1].at("kind").as_string() == store_unreachable);
  CHECK(listed[1].at("at").as_string() == "1970-01-01T00:00:01.000Z");
  CHECK(listed[1].at("node").as_string() != "");  // this host
  CHECK(listed[1].at("stored").as_bool() == false);
  // Written by renaming a complete file: nothing half-written is left beside it.
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "data"))
    files += entry.is_regular_file();
  CHECK(files == 1);
}

TEST_CASE("the file keeps the newest fatal_issues_kept issues") {
  temp_dir dir;
  const auto config = config_in(dir, "sqlite::memory:");
  for (std::int64_t at = 1; at <= static_cast<std::int64_t>(fatal_issues_kept) + 5; ++at) {
    record_fatal_issue(issue_at(at * 1000, supervisor_escalated), config, nullptr);
  }
  const auto kept = read_fatal_issue_file(fatal_issue_file(config.aol.data_dir));
  REQUIRE(kept.ok());
  REQUIRE(kept->size() == fatal_issues_kept);
  CHECK(kept->front().at_ms == static_cast<std::int64_t>(fatal_issues_kept + 5) * 1000);
  CHECK(kept->back().at_ms == 6000);
}

TEST_CASE("without a database the report reads the file and says why the table is missing") {
  temp_dir dir;
  const auto config = config_in(dir, "sqlite::memory:");
  auto none = read_fatal_issues(nullptr, config.aol.data_dir);
  CHECK(none.issues.empty());
  CHECK_FALSE(none.file_error);  // no file yet is no error
  record_fatal_issue(issue_at(1000, migration_failed), config, nullptr);
  const auto report = read_fatal_issues(nullptr, config.aol.data_dir);
  REQUIRE(report.issues.size() == 1);
  CHECK(report.issues[0].kind == migration_failed);
  CHECK(report.database_error);
  const auto shown = to_json(report, config.aol.data_dir);
  CHECK(shown.at("fatal_issues").as_array().size() == 1);
  CHECK(shown.at("file").as_string() == fatal_issue_file(config.aol.data_dir).string());
  CHECK(shown.contains("database_error"));

  dir.write("data/fatal-issues.json", "not json");
  const auto broken = read_fatal_issues(nullptr, config.aol.data_dir);
  CHECK(broken.issues.empty());
  CHECK(broken.file_error);
}

TEST_CASE("a fatal issue is notified as a critical firing alert named fatal_issue") {
  auto issue = issue_at(1000, migration_failed);
  const auto raised = fatal_issue_alert(issue);
  CHECK(raised.status == troupe::ops::alert_status::firing);
  CHECK(raised.labels.at("alertname") == "fatal_issue");
  CHECK(raised.labels.at("kind") == migration_failed);
  CHECK(raised.labels.at("severity") == "critical");
  CHECK(raised.labels.at("node") == "n1");
  CHECK(raised.annotations.at("summary") == issue.message);
  CHECK(raised.annotations.at("description") == "why");
  CHECK(raised.starts_at_ms == 1000);
}
