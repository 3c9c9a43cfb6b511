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

// The schema as the first `count` bundled migrations left it, recorded as
// applied, as an older release would have left a database.
void apply_first_steps(soci::session& sql, backend kind, std::size_t count) {
  const auto steps = bundled_migrations(kind);
  REQUIRE(steps.ok());
  REQUIRE(steps->size() > count);
  execute(sql, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)");
  for (std::size_t step = 0; step < count; ++step) {
    for (const auto& statement : split_sql_statements((*steps)[step].script)) execute(sql, statement);
    execute(sql, "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (:v, :n, 1)",
            soci::use(static_cast<int>(step + 1)), soci::use((*steps)[step].name));
  }
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
  CHECK(*first == std::vector<std::string>{"001_init", "002_held_and_proofed_actions",
                                           "003_content_pipeline", "004_post_attempts",
                                           "005_outcomes_and_predictors", "006_reply_pipeline",
                                           "007_operations", "008_cluster", "009_pod_lease_takes", "010_cluster_session_requests"});
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
  CHECK(tables.size() == 31);
  std::sort(tables.begin(), tables.end());
  CHECK(std::adjacent_find(tables.begin(), tables.end()) == tables.end());
  for (const char* name :
       {"accounts", "runner_events", "sessions", "runner_summaries", "aol_actions",
        "aol_execution_logs", "schema_migrations", "pod_lease_takes"}) {
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
  CHECK(*applied == std::vector<std::string>{"002_held_and_proofed_actions", "003_content_pipeline",
                                             "004_post_attempts", "005_outcomes_and_predictors",
                                             "006_reply_pipeline", "007_operations", "008_cluster",
                                             "009_pod_lease_takes", "010_cluster_session_requests"});
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

TEST_CASE("003 keeps a database's rows, carrying the pipeline tables' rows into their new shape") {
  const backend kind = GENERATE(from_range(test_backends()));
  scratch_database scratch(kind);
  auto& sql = scratch.db().session();
  // The schema at 002, with rows in the tables 003 rebuilds and in one it leaves alone.
  apply_first_steps(sql, kind, 2);
  execute(sql, "INSERT INTO accounts (account_id, pod) VALUES ('a1', 'alpha')");
  execute(sql, "INSERT INTO aol_actions (type, payload, idempotency_key, status, run_at_ms, next_attempt_at_ms, created_at_ms, updated_at_ms) "
               "VALUES ('POST_SOCIAL', '{}', 'k1', 'PROOFED', 1, 1, 1, 1)");
  execute(sql, "INSERT INTO content_metadata (account_id, kind, topic, angle, text, target_id, embedding, quality, status, pipeline_source, arm, slot, scheduled_at_ms, created_at_ms) "
               "VALUES ('a1', 'reply', 'db', 'how-to', 'hello', 'post-9', '[0.5,1]', 0.8, 'posted', 'reply_v2', 'question', 'morning', 50, 40)");
  execute(sql, "INSERT INTO posted_decisions (content_id, platform_post_id, posted_at_ms) VALUES (1, 'p-1', 60)");
  execute(sql, "INSERT INTO outcomes (content_id, post_id, collected_at_ms, likes) VALUES (1, 'p-1', 70, 3)");
  execute(sql, "INSERT INTO strategy_rewards (arm, reward, at_ms, content_id) VALUES ('question', 0.5, 80, 1)");
  execute(sql, "INSERT INTO bandit_arms (kind, arm, alpha, beta, pulls, updated_at_ms) VALUES ('content', 'question', 2, 3, 4, 90)");
  execute(sql, "INSERT INTO api_usage (at_ms, day, model, tokens_in, tokens_out, cost_usd) VALUES (100, '2026-11-27', 'gpt', 10, 2, 0.25)");
  execute(sql, "INSERT INTO reply_opportunities (target_id, account_id, author, text, harvested_at_ms, fresh_until_ms, status) VALUES ('post-9', 'a1', 'bob', 'hi', 110, 120, 'new')");

  auto applied = migrate(scratch.db());
  REQUIRE_OK(applied);
  CHECK(*applied == std::vector<std::string>{"003_content_pipeline", "004_post_attempts",
                                             "005_outcomes_and_predictors", "006_reply_pipeline",
                                             "007_operations", "008_cluster",
                                             "009_pod_lease_takes", "010_cluster_session_requests"});
  CHECK(missing_tables(scratch.db()).empty());

  long long count = 0;
  execute(sql, "SELECT COUNT(*) FROM accounts WHERE account_id = 'a1'", soci::into(count));
  CHECK(count == 1);
  std::string text, other;
  execute(sql, "SELECT idempotency_key, status FROM aol_actions", soci::into(text), soci::into(other));
  CHECK(text == "k1");
  CHECK(other == "PROOFED");

  std::string type, account, content, arm, slot, status, pipeline, target, embedding;
  long long scheduled_at = 0, created_at = 0;
  double quality = 0;
  execute(sql, "SELECT decision_type, account_id, content, bandit_arm, timing_arm, status, pipeline_source, target_post_id, embedding, scheduled_at, created_at, quality_score "
               "FROM content_metadata WHERE decision_id = 'legacy-1'",
          soci::into(type), soci::into(account), soci::into(content), soci::into(arm), soci::into(slot),
          soci::into(status), soci::into(pipeline), soci::into(target), soci::into(embedding),
          soci::into(scheduled_at), soci::into(created_at), soci::into(quality));
  CHECK(type == "reply");
  CHECK(account == "a1");
  CHECK(content == "hello");
  CHECK(arm == "question");
  CHECK(slot == "morning");
  CHECK(status == "posted");
  CHECK(pipeline == "reply_v2");
  CHECK(target == "post-9");
  CHECK(embedding == "[0.5,1]");
  CHECK(scheduled_at == 50);
  CHECK(created_at == 40);
  CHECK(quality == 0.8);

  execute(sql, "SELECT decision_id, platform_post_id FROM posted_decisions", soci::into(text), soci::into(other));
  CHECK(text == "legacy-1");
  CHECK(other == "p-1");
  execute(sql, "SELECT decision_id FROM outcomes", soci::into(text));
  CHECK(text == "legacy-1");
  execute(sql, "SELECT decision_id FROM strategy_rewards", soci::into(text));
  CHECK(text == "legacy-1");
  execute(sql, "SELECT scope, kind FROM bandit_arms WHERE arm = 'question'", soci::into(text), soci::into(other));
  CHECK(text == "content");
  CHECK(other == "thompson");
  execute(sql, "SELECT kind, status FROM api_usage WHERE model = 'gpt'", soci::into(text), soci::into(other));
  CHECK(text == "chat");
  CHECK(other == "ok");
  execute(sql, "SELECT target_author_id, status FROM reply_opportunities WHERE target_post_id = 'post-9'",
          soci::into(text), soci::into(other));
  CHECK(text == "bob");
  CHECK(other == "open");

  // New rows get ids past the carried ones (PostgreSQL's sequences included).
  execute(sql, "INSERT INTO api_usage (kind, model, status, at_ms) VALUES ('chat', 'gpt', 'ok', 200)");
  execute(sql, "SELECT COUNT(*) FROM api_usage", soci::into(count));
  CHECK(count == 2);
}

TEST_CASE("006 keeps the decisions and their posts, keeps one opportunity per target, and lets a posted row still point at its decision") {
  const backend kind = GENERATE(from_range(test_backends()));
  scratch_database scratch(kind);
  auto& sql = scratch.db().session();
  // The schema at 005, with a posted decision and the same target found by two accounts.
  apply_first_steps(sql, kind, 5);
  execute(sql, "INSERT INTO content_metadata (decision_id, decision_type, account_id, content, generation_source, status, features, created_at, updated_at, post_attempt_started_at) "
               "VALUES ('d-1', 'reply', 'a1', 'hello', 'real', 'posted', '{\"tweet_id\":\"p-1\"}', 10, 20, NULL)");
  execute(sql, "INSERT INTO posted_decisions (decision_id, platform_post_id, posted_at_ms) VALUES ('d-1', 'p-1', 30)");
  execute(sql, "INSERT INTO outcomes (decision_id, post_id, collected_at, likes) VALUES ('d-1', 'p-1', 40, 3)");
  execute(sql, "INSERT INTO reply_opportunities (account_id, target_post_id, discovered_at, status, decision_id) VALUES ('a1', 't-1', 5, 'taken', 'd-1')");
  execute(sql, "INSERT INTO reply_opportunities (account_id, target_post_id, discovered_at) VALUES ('a2', 't-1', 6)");
  execute(sql, "INSERT INTO reply_opportunities (account_id, target_post_id, discovered_at) VALUES ('a2', 't-2', 7)");

  auto applied = migrate(scratch.db());
  REQUIRE_OK(applied);
  CHECK(*applied == std::vector<std::string>{"006_reply_pipeline", "007_operations", "008_cluster",
                                             "009_pod_lease_takes", "010_cluster_session_requests"});
  CHECK(missing_tables(scratch.db()).empty());

  std::string status, features;
  execute(sql, "SELECT status, features FROM content_metadata WHERE decision_id = 'd-1'", soci::into(status),
          soci::into(features));
  CHECK(status == "posted");
  CHECK(features == "{\"tweet_id\":\"p-1\"}");
  long long count = 0;
  execute(sql, "SELECT COUNT(*) FROM reply_opportunities WHERE target_post_id = 't-1'", soci::into(count));
  CHECK(count == 1);
  std::string account;
  execute(sql, "SELECT account_id FROM reply_opportunities WHERE target_post_id = 't-1'", soci::into(account));
  CHECK(account == "a1");  // the first found stays
  execute(sql, "SELECT COUNT(*) FROM reply_opportunities", soci::into(count));
  CHECK(count == 2);
  // The rebuilt table is still the parent of posted_decisions and outcomes.
  CHECK_THROWS(execute(sql, "INSERT INTO posted_decisions (decision_id, platform_post_id, posted_at_ms) VALUES ('no-such', 'p-2', 1)"));
  execute(sql, "SELECT COUNT(*) FROM posted_decisions p JOIN content_metadata c ON c.decision_id = p.decision_id", soci::into(count));
  CHECK(count == 1);
  // The new statuses are allowed, others still are not.
  execute(sql, "UPDATE content_metadata SET status = 'planned' WHERE decision_id = 'd-1'");
  CHECK_THROWS(execute(sql, "UPDATE content_metadata SET status = 'pondering' WHERE decision_id = 'd-1'"));
}
