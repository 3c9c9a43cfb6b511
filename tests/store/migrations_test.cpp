#include "runtime/store/migrations.hpp"

#include <soci/soci.h>

#include <algorithm>

#include "runtime/store/statements.hpp"
#include "tests/store/scratch_database.hpp"

using namespace troupe::store;
using Catch::Matchers::Contains;
using troupe::store::testing::scratch_database;
using troupe::store::testing::test_backends;

namespace {

std::vector<std::string> missing_tables(database& db) {
  auto statuses = check_tables(db);
  REQUIRE(statuses.ok());
  std::vector<std::string> missing;
  for (const auto& table : *statuses) {
    if (!table.present) missing.push_back(table.name);
  }
  return missing;
}

}  // namespace

TEST_CASE("statements split where a line ends with a semicolon, without comments or blank lines") {
  const auto statements = split_sql_statements(
      "-- a comment; with a semicolon\n"
      "CREATE TABLE a (\n"
      "  x INTEGER\n"
      ");\n"
      "\n"
      "  CREATE INDEX a_x ON a (x) ;  \r\n"
      "INSERT INTO a VALUES (1)");
  REQUIRE(statements.size() == 3);
  CHECK(statements[0] == "CREATE TABLE a (\n  x INTEGER\n)");
  CHECK(statements[1] == "CREATE INDEX a_x ON a (x)");
  CHECK(statements[2] == "INSERT INTO a VALUES (1)");
  CHECK(split_sql_statements("\n-- only a comment\n").empty());
}

TEST_CASE("a migration file named NNN_words.sql gives its version and name") {
  auto step = migration_from_file("schema/sqlite/012_content_target.sql", "SELECT 1;");
  REQUIRE_OK(step);
  CHECK(step->version == 12);
  CHECK(step->name == "012_content_target");
  CHECK(step->script == "SELECT 1;");
}

TEST_CASE("a migration file with any other name is refused") {
  for (const char* path :
       {"schema/sqlite/init.sql", "schema/sqlite/001.sql", "schema/sqlite/001_.sql",
        "schema/sqlite/x01_init.sql", "schema/sqlite/-01_init.sql", "schema/sqlite/000_init.sql",
        "schema/sqlite/99999999999_init.sql", "schema/sqlite/001_init.txt"}) {
    CAPTURE(path);
    auto step = migration_from_file(path, "");
    REQUIRE_FALSE(step.ok());
    CHECK_THAT(step.failure().message, Contains("is not named NNN_words.sql"));
  }
}

TEST_CASE("both backends bundle the same numbered migrations, starting with 001_init") {
  auto sqlite = bundled_migrations(backend::sqlite);
  auto postgresql = bundled_migrations(backend::postgresql);
  REQUIRE(sqlite.ok());
  REQUIRE(postgresql.ok());
  REQUIRE(!sqlite->empty());
  REQUIRE(sqlite->size() == postgresql->size());
  CHECK(sqlite->front().name == "001_init");
  for (std::size_t i = 0; i < sqlite->size(); ++i) {
    CHECK((*sqlite)[i].version == static_cast<int>(i + 1));
    CHECK((*sqlite)[i].name == (*postgresql)[i].name);
  }
}

TEST_CASE("migrate applies every migration to a new database, and a second run applies nothing") {
  const backend kind = GENERATE(from_range(test_backends()));
  scratch_database scratch(kind);
  CHECK(missing_tables(scratch.db()).size() == expected_tables().size());

  auto first = migrate(scratch.db());
  REQUIRE(first.ok());
  CHECK(*first == std::vector<std::string>{"001_init", "002_held_and_proofed_actions"});
  CHECK(missing_tables(scratch.db()).empty());

  std::string name;
  long long applied_at_ms = 0;
  execute(scratch.db().session(),
          "SELECT name, applied_at_ms FROM schema_migrations WHERE version = 1", soci::into(name),
          soci::into(applied_at_ms));
  CHECK(name == "001_init");
  CHECK(applied_at_ms > 1600000000000LL);

  auto second = migrate(scratch.db());
  REQUIRE(second.ok());
  CHECK(second->empty());

  auto reopened = database::open(scratch.url());  // a later start of the daemon
  REQUIRE(reopened.ok());
  auto third = migrate(*reopened);
  REQUIRE(third.ok());
  CHECK(third->empty());
}

TEST_CASE("check_tables reports every expected table present, and a dropped one missing") {
  const backend kind = GENERATE(from_range(test_backends()));
  scratch_database scratch(kind);
  REQUIRE_OK(migrate(scratch.db()));
  auto statuses = check_tables(scratch.db());
  REQUIRE(statuses.ok());
  REQUIRE(statuses->size() == expected_tables().size());
  for (std::size_t i = 0; i < statuses->size(); ++i) {
    CHECK((*statuses)[i].name == expected_tables()[i]);
    CHECK((*statuses)[i].present);
  }

  execute(scratch.db().session(), "DROP TABLE strategy_rewards");
  CHECK(missing_tables(scratch.db()) == std::vector<std::string>{"strategy_rewards"});
}

TEST_CASE("the expected tables are the tables of the design") {
  auto tables = expected_tables();
  CHECK(tables.size() == 19);
  std::sort(tables.begin(), tables.end());
  CHECK(std::adjacent_find(tables.begin(), tables.end()) == tables.end());
  for (const char* name : {"accounts", "runner_events", "sessions", "runner_summaries",
                           "aol_actions", "aol_execution_logs", "schema_migrations"}) {
    CHECK(std::binary_search(tables.begin(), tables.end(), std::string(name)));
  }
}

TEST_CASE("a failed migration is rolled back whole and named in the error") {
  const backend kind = GENERATE(from_range(test_backends()));
  scratch_database scratch(kind);
  // A table 001_init creates, made beforehand: its CREATE TABLE fails midway.
  execute(scratch.db().session(), "CREATE TABLE sessions (x INTEGER)");
  auto applied = migrate(scratch.db());
  REQUIRE_FALSE(applied.ok());
  CHECK_THAT(applied.failure().message, Contains("migration 001_init failed at statement"));
  auto statuses = check_tables(scratch.db());
  REQUIRE(statuses.ok());
  for (const auto& table : *statuses) {
    CAPTURE(table.name);
    CHECK(table.present == (table.name == "sessions" || table.name == "schema_migrations"));
  }
  int recorded = -1;
  execute(scratch.db().session(), "SELECT COUNT(*) FROM schema_migrations", soci::into(recorded));
  CHECK(recorded == 0);
}

TEST_CASE("002 keeps a queue's actions and their logs, and deleting an action still removes its logs") {
  const backend kind = GENERATE(from_range(test_backends()));
  scratch_database scratch(kind);
  auto& sql = scratch.db().session();
  // The schema as a daemon of the first release left it, with one action and its log.
  const auto steps = bundled_migrations(kind);
  REQUIRE(steps.ok());
  for (const auto& statement : split_sql_statements(steps->front().script)) execute(sql, statement);
  execute(sql, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)");
  execute(sql, "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (1, '001_init', 1)");
  execute(sql, "INSERT INTO aol_actions (id, type, payload, idempotency_key, status, run_at_ms, next_attempt_at_ms, created_at_ms, updated_at_ms) "
               "VALUES (7, 'NOTIFY', '{}', 'k7', 'DLQ', 1, 1, 1, 1)");
  execute(sql, "INSERT INTO aol_execution_logs (action_id, attempt, started_at_ms) VALUES (7, 1, 1)");

  auto applied = migrate(scratch.db());
  REQUIRE(applied.ok());
  CHECK(*applied == std::vector<std::string>{"002_held_and_proofed_actions"});
  std::string key, status;
  execute(sql, "SELECT idempotency_key, status FROM aol_actions WHERE id = 7", soci::into(key), soci::into(status));
  CHECK(key == "k7");
  CHECK(status == "DLQ");
  long long logs = 0;
  execute(sql, "SELECT COUNT(*) FROM aol_execution_logs WHERE action_id = 7", soci::into(logs));
  CHECK(logs == 1);
  execute(sql, "UPDATE aol_actions SET status = 'PROOFED', proof_artifact = 'a.json', held_reason = NULL WHERE id = 7");
  execute(sql, "DELETE FROM aol_actions WHERE id = 7");
  execute(sql, "SELECT COUNT(*) FROM aol_execution_logs WHERE action_id = 7", soci::into(logs));
  CHECK(logs == 0);
}
