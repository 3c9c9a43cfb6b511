// Item 2 (fatal issues) against the real binary: each way `troupe run` gives
// up — its database cannot be opened, its migrations fail, its supervisor
// escalates — leaves DATA_DIR/fatal-issues.json (without the database
// password), and the next start stores it, serves it at GET
// /api/fatal-issues and notifies it to notify.url.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "runtime/store/database.hpp"
#include "runtime/store/statements.hpp"
#include "tests/api/daemon_fixture.hpp"
#include "tests/store/scratch_database.hpp"
#include "tests/support/webhook_receiver.hpp"

using namespace troupe;
using namespace troupe::testing;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// daemon_config with its database at `db_url`, its data directory under
// `dir` and `extra` YAML appended.
std::string config_with(const temp_dir& dir, const std::string& db_url,
                        const std::string& extra = "") {
  auto yaml = daemon_config(dir, 1, "");
  const std::string db_line = "db: {url: \"sqlite:" + dir.file("troupe.db") + "\"}";
  yaml.replace(yaml.find(db_line), db_line.size(), "db: {url: \"" + db_url + "\"}");
  return yaml + "aol: {dataDir: \"" + dir.file("data") + "\"}\n" + extra;
}

std::string notify_to(const webhook_receiver& receiver) {
  return "notify: {url: \"" + receiver.url("/hooks/alerts") + "\", groupMs: 200}\n";
}

command_result run_until_it_gives_up(const temp_dir& dir, const std::string& config_path) {
  return run_command({TROUPE_BINARY, "run", "--driver", SIM_DRIVER_BINARY, "--http", "127.0.0.1:0",
                      "--config", config_path},
                     dir, 60s);
}

// The fatal issues in the data directory's file, newest first.
json::array fatal_issue_file(const temp_dir& dir) {
  const auto text = read_file(dir.file("data/fatal-issues.json"));
  REQUIRE_FALSE(text.empty());
  return json::parse(text).at("fatal_issues").as_array();
}

json::array served_fatal_issues(int port) {
  const auto reply = request(port, "GET", "/api/fatal-issues");
  REQUIRE(reply.status == 200);
  return reply.json().at("fatal_issues").as_array();
}

std::string text_of(const json::value& value, const char* field) {
  return std::string(value.at(field).as_string());
}

}  // namespace

TEST_CASE(
    "a database that cannot be opened at start is a fatal issue the next start serves and "
    "notifies") {
  temp_dir dir;
  const std::string unreachable = "postgresql://troupe:s3cret-password@127.0.0.1:1/troupe";
  const auto failed =
      run_until_it_gives_up(dir, dir.write("unreachable.yaml", config_with(dir, unreachable)));
  INFO(failed.output);
  CHECK(failed.exit_code == 1);
  CHECK(failed.output.find("s3cret-password") == std::string::npos);
  const auto recorded = fatal_issue_file(dir);
  REQUIRE(recorded.size() == 1);
  CHECK(text_of(recorded[0], "kind") == "store_unreachable");
  CHECK(recorded[0].at("stored").as_bool() == false);
  CHECK(text_of(recorded[0], "detail").find("127.0.0.1") != std::string::npos);
  CHECK(read_file(dir.file("data/fatal-issues.json")).find("s3cret-password") == std::string::npos);

  webhook_receiver receiver(200);
  running_daemon daemon(
      dir, dir.write("troupe.yaml",
                     config_with(dir, "sqlite:" + dir.file("troupe.db"), notify_to(receiver))));
  const auto served = served_fatal_issues(daemon.port());
  REQUIRE(served.size() == 1);
  CHECK(text_of(served[0], "kind") == "store_unreachable");
  CHECK(served[0].at("at_ms") == recorded[0].at("at_ms"));
  CHECK(served[0].at("stored").as_bool());  // the next start put it in the table
  CHECK(served[0].as_object().contains("id"));

  REQUIRE(receiver.wait_for_calls(1, 30s));
  const auto body = receiver.calls()[0].body;
  CHECK(body.find("s3cret-password") == std::string::npos);
  const auto alert = json::parse(body).at("alerts").at(0);
  CHECK(text_of(alert.at("labels"), "alertname") == "fatal_issue");
  CHECK(text_of(alert.at("labels"), "kind") == "store_unreachable");
  CHECK(text_of(alert, "status") == "firing");
}

TEST_CASE("migrations that fail at start are a fatal issue the next start serves once they pass") {
  const auto kind = GENERATE(from_range(store::testing::test_backends()));
  temp_dir dir;
  store::testing::scratch_database scratch(kind);
  // Migration 001 creates a table of this name.
  store::execute(scratch.db().session(), "CREATE TABLE accounts (not_troupes INTEGER)");
  const auto config_path = dir.write("troupe.yaml", config_with(dir, scratch.url()));
  const auto failed = run_until_it_gives_up(dir, config_path);
  INFO(failed.output);
  CHECK(failed.exit_code == 1);
  const auto recorded = fatal_issue_file(dir);
  REQUIRE(recorded.size() == 1);
  CHECK(text_of(recorded[0], "kind") == "migration_failed");
  CHECK(text_of(recorded[0], "detail").find("001") != std::string::npos);  // names the migration
  if (const char* password = std::getenv("PGPASSWORD"); password != nullptr && *password != '\0') {
    CHECK(read_file(dir.file("data/fatal-issues.json")).find(password) == std::string::npos);
  }

  store::execute(scratch.db().session(), "DROP TABLE accounts");  // the operator's fix
  running_daemon daemon(dir, config_path);
  const auto served = served_fatal_issues(daemon.port());
  REQUIRE(served.size() == 1);
  CHECK(text_of(served[0], "kind") == "migration_failed");
  CHECK(served[0].at("stored").as_bool());
}

TEST_CASE(
    "a supervisor that gives up is a fatal issue, stored at once and served by the next start") {
  temp_dir dir;
  const auto db_url = "sqlite:" + dir.file("troupe.db");
  const auto config_path = dir.write("troupe.yaml", config_with(dir, db_url));
  std::optional<running_daemon> daemon;
  daemon.emplace(dir, config_path);
  // The pods spawn their accounts once they have read their state: only then
  // may the table go, or alpha and beta would crash as well as gamma.
  for (const auto* account : {"account:a1", "account:a2", "account:a3", "account:b1", "account:b2", "account:b3"}) {
    REQUIRE(eventually([&] { return request(daemon->port(), "GET", std::string("/api/actors/") + account).status == 200; },
                       30s));
  }
  // The accounts table goes away under the running daemon; a pod added by a
  // reload then cannot load its accounts and crashes at every restart.
  {
    auto db = store::database::open(db_url);
    REQUIRE(db.ok());
    store::execute(db->session(), "ALTER TABLE accounts RENAME TO accounts_moved");
  }
  auto yaml = config_with(dir, db_url);
  const std::string pods = "pods: {alpha: [a1, a2, a3], beta: [b1, b2, b3]}";
  yaml.replace(yaml.find(pods), pods.size(),
               "pods: {alpha: [a1, a2, a3], beta: [b1, b2, b3], gamma: [c1]}");
  dir.write("troupe.yaml", yaml);
  daemon->process().signal(SIGHUP);
  const auto exit_code = daemon->process().wait(120s);
  const auto output = daemon->process().output();
  INFO(output);
  REQUIRE(exit_code == 1);
  CHECK(output.find("the supervisor gave up") != std::string::npos);
  daemon.reset();
  const auto recorded = fatal_issue_file(dir);
  REQUIRE(recorded.size() == 1);
  CHECK(text_of(recorded[0], "kind") == "supervisor_escalated");
  CHECK(text_of(recorded[0], "detail").find("gamma") != std::string::npos);  // the pod that crashed
  CHECK(recorded[0].at("stored").as_bool());  // the database answered: the row is there already

  {
    auto db = store::database::open(db_url);
    REQUIRE(db.ok());
    store::execute(db->session(), "ALTER TABLE accounts_moved RENAME TO accounts");
  }
  running_daemon next(dir, config_path);
  const auto served = served_fatal_issues(next.port());
  REQUIRE(served.size() == 1);
  CHECK(text_of(served[0], "kind") == "supervisor_escalated");
  CHECK(served[0].at("id") == recorded[0].at("id"));
}
