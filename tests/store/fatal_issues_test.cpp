// Item 2 (fatal issues) on each backend: the `fatal_issues` table, a fatal
// issue recorded with its database (row, file and notification together),
// and the next start storing what an earlier run could only write to its file.
#include "runtime/store/fatal_issues.hpp"

#include <boost/json.hpp>

#include "runtime/store/alert_groups.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/store/statements.hpp"
#include "tests/store/scratch_database.hpp"

using namespace troupe;
using namespace troupe::store;
using troupe::store::testing::migrated_database;
using troupe::store::testing::temporary_directory;
using troupe::store::testing::test_backends;
namespace json = boost::json;

namespace {

ops::fatal_issue issue_at(std::int64_t at_ms, const std::string& kind) {
  ops::fatal_issue issue;
  issue.at_ms = at_ms;
  issue.kind = kind;
  issue.message = "the daemon gave up";
  issue.detail = "because";
  issue.node = "n1";
  return issue;
}

config::troupe_config config_for(const temporary_directory& dir, const std::string& db_url) {
  config::troupe_config config;
  config.db.url = db_url;
  config.aol.data_dir = (dir.path() / "data").string();
  config.notify.url = "http://127.0.0.1:9/hooks/alerts";
  return config;
}

std::vector<action> alert_groups(database& db) {
  action_query query;
  query.type = alert_group_action;
  auto listed = list_actions(db, query);
  REQUIRE_OK(listed);
  return *listed;
}

std::vector<std::string> alert_names(const action& group) {
  std::vector<std::string> names;
  const auto parsed = json::parse(group.payload_json);  // alive for the loop
  for (const auto& alert : parsed.at("alerts").as_array()) {
    names.emplace_back(alert.at("labels").at("alertname").as_string());
  }
  return names;
}

}  // namespace

TEST_CASE("fatal issues are stored, listed newest first and found by instant, kind and node") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto first = insert_fatal_issue(store.db(), issue_at(1000, ops::store_unreachable));
  auto second = insert_fatal_issue(store.db(), issue_at(3000, ops::supervisor_escalated));
  REQUIRE_OK(first);
  REQUIRE_OK(second);
  auto listed = load_fatal_issues(store.db(), 10);
  REQUIRE_OK(listed);
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].id == *second);
  CHECK((*listed)[0].kind == ops::supervisor_escalated);
  CHECK((*listed)[0].stored);
  CHECK((*listed)[1].detail == "because");
  CHECK((*listed)[1].node == "n1");

  auto found = find_fatal_issue(store.db(), issue_at(1000, ops::store_unreachable));
  REQUIRE_OK(found);
  CHECK(*found == std::optional<std::int64_t>(*first));
  auto elsewhere = issue_at(1000, ops::store_unreachable);
  elsewhere.node = "n2";
  auto missing = find_fatal_issue(store.db(), elsewhere);
  REQUIRE_OK(missing);
  CHECK_FALSE(*missing);
}

TEST_CASE(
    "a fatal issue recorded with its database is a row, a file entry and a queued notification") {
  const backend kind = GENERATE(from_range(test_backends()));
  temporary_directory dir;
  migrated_database store(kind);
  const auto config = config_for(dir, store.url());
  const auto recorded =
      ops::record_fatal_issue(issue_at(5000, ops::supervisor_escalated), config, &store.db());
  REQUIRE_OK(recorded.file);
  REQUIRE_OK(recorded.table);

  auto rows = load_fatal_issues(store.db(), 10);
  REQUIRE_OK(rows);
  REQUIRE(rows->size() == 1);
  auto in_file = ops::read_fatal_issue_file(ops::fatal_issue_file(config.aol.data_dir));
  REQUIRE_OK(in_file);
  REQUIRE(in_file->size() == 1);
  CHECK(in_file->front().stored);
  CHECK(in_file->front().id == rows->front().id);
  const auto groups = alert_groups(store.db());
  REQUIRE(groups.size() == 1);
  CHECK(alert_names(groups[0]) == std::vector<std::string>{"fatal_issue"});

  const auto report = ops::read_fatal_issues(&store.db(), config.aol.data_dir);
  REQUIRE(report.issues.size() == 1);  // in both places, shown once
  CHECK(report.issues[0].id == rows->front().id);
  CHECK_FALSE(report.database_error);
}

TEST_CASE("the next start stores and notifies the file's fatal issues once") {
  const backend kind = GENERATE(from_range(test_backends()));
  temporary_directory dir;
  migrated_database store(kind);
  const auto config = config_for(dir, store.url());
  // Two runs that gave up without their database.
  (void)ops::record_fatal_issue(issue_at(1000, ops::store_unreachable), config, nullptr);
  (void)ops::record_fatal_issue(issue_at(2000, ops::migration_failed), config, nullptr);
  auto before = ops::read_fatal_issues(&store.db(), config.aol.data_dir);
  CHECK(before.issues.size() == 2);  // from the file alone

  auto added = ops::store_fatal_issues_from_file(store.db(), config, 10'000);
  REQUIRE_OK(added);
  CHECK(*added == 2);
  auto rows = load_fatal_issues(store.db(), 10);
  REQUIRE_OK(rows);
  CHECK(rows->size() == 2);
  const auto groups = alert_groups(store.db());
  REQUIRE(groups.size() == 1);  // one group: both within notify.groupMs
  CHECK(alert_names(groups[0]) == std::vector<std::string>{"fatal_issue", "fatal_issue"});

  // A later start adds nothing, even once the rows were pruned from the table.
  auto again = ops::store_fatal_issues_from_file(store.db(), config, 20'000);
  REQUIRE_OK(again);
  CHECK(*again == 0);
  execute(store.db().session(), "DELETE FROM fatal_issues");
  auto after_pruning = ops::store_fatal_issues_from_file(store.db(), config, 30'000);
  REQUIRE_OK(after_pruning);
  CHECK(*after_pruning == 0);
  CHECK(alert_groups(store.db()).size() == 1);
}

TEST_CASE("a fatal issue whose row cannot be written stays in the file for the next start") {
  const backend kind = GENERATE(from_range(test_backends()));
  temporary_directory dir;
  migrated_database store(kind);
  const auto config = config_for(dir, store.url());
  execute(store.db().session(), "DROP TABLE fatal_issues");  // as when migration 007 failed
  const auto recorded =
      ops::record_fatal_issue(issue_at(1000, ops::migration_failed), config, &store.db());
  CHECK(recorded.file.ok());
  CHECK_FALSE(recorded.table.ok());
  CHECK(alert_groups(store.db()).empty());  // the notification went back with the row
  auto in_file = ops::read_fatal_issue_file(ops::fatal_issue_file(config.aol.data_dir));
  REQUIRE_OK(in_file);
  REQUIRE(in_file->size() == 1);
  CHECK_FALSE(in_file->front().stored);
  const auto report = ops::read_fatal_issues(&store.db(), config.aol.data_dir);
  CHECK(report.issues.size() == 1);
  CHECK(report.database_error);
}
