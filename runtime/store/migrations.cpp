#include "runtime/store/migrations.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <set>

#include "runtime/embedded.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"
#include "runtime/system_clock.hpp"

namespace troupe::store {
namespace {

// The ledger belongs to the migration runner, not to a migration: it must
// exist before the runner can tell which migrations are pending.
constexpr const char* create_ledger =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at_ms BIGINT NOT NULL)";

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// Reads NNN: digits only, a positive int.
bool parse_version(std::string_view digits, int& version) {
  const auto* end = digits.data() + digits.size();
  const auto [stop, failure] = std::from_chars(digits.data(), end, version);
  return failure == std::errc() && stop == end && version > 0;
}

std::set<int> applied_versions(soci::session& sql) {
  std::set<int> versions;
  int version = 0;
  auto select = prepare(sql, "SELECT version FROM schema_migrations", soci::into(version));
  select.execute();
  while (select.fetch()) versions.insert(version);
  return versions;
}

// SQLite cannot change a table's constraints in place: a step rebuilds the
// table (create a copy, move the rows, drop, rename), which a parent table
// only survives with foreign keys off. SQLite ignores that pragma inside a
// transaction, so it is turned off around the step and back on after; the
// step checks the keys itself before committing.
class sqlite_foreign_keys_off {
 public:
  explicit sqlite_foreign_keys_off(database& db) : sql_(db.kind() == backend::sqlite ? &db.session() : nullptr) {
    if (sql_ != nullptr) set("OFF");
  }
  ~sqlite_foreign_keys_off() {
    if (sql_ != nullptr) set("ON");
  }
  sqlite_foreign_keys_off(const sqlite_foreign_keys_off&) = delete;
  sqlite_foreign_keys_off& operator=(const sqlite_foreign_keys_off&) = delete;

 private:
  // A failure shows in the step itself (a rebuild fails with the keys on).
  void set(const char* value) {
    (void)guarded("PRAGMA foreign_keys", [&] { execute(*sql_, std::string("PRAGMA foreign_keys = ") + value); });
  }
  soci::session* sql_;
};

// Fails when a row of a SQLite database points at a parent that is not there.
status check_foreign_keys(database& db, const migration& step) {
  if (db.kind() != backend::sqlite) return {};
  std::string table;
  if (!query_first_row(db.session(), "PRAGMA foreign_key_check", soci::into(table))) return {};
  return error{"migration " + step.name + " leaves rows of " + table + " whose foreign key has no parent"};
}

// Runs every statement of `step` and records it, all in one transaction.
status apply(database& db, const migration& step) {
  auto& sql = db.session();
  const auto statements = split_sql_statements(step.script);
  const sqlite_foreign_keys_off keys_off(db);
  soci::transaction transaction(sql);
  for (std::size_t i = 0; i < statements.size(); ++i) {
    auto done = guarded("migration " + step.name + " failed at statement " + std::to_string(i + 1) +
                            " of " + std::to_string(statements.size()),
                        [&] { execute(sql, statements[i]); });
    if (!done) return done;  // the transaction rolls back when it goes out of scope
  }
  auto keys = guarded("migration " + step.name + " cannot check foreign keys",
                      [&] { return check_foreign_keys(db, step); });
  if (!keys) return keys;
  const std::int64_t applied_at_ms = system_now_ms();
  auto recorded = guarded("migration " + step.name + " could not be recorded", [&] {
    execute(sql,
            "INSERT INTO schema_migrations (version, name, applied_at_ms)"
            " VALUES (:version, :name, :applied_at_ms)",
            soci::use(step.version), soci::use(step.name), soci::use(applied_at_ms));
    transaction.commit();
  });
  return recorded;
}

}  // namespace

result<migration> migration_from_file(std::string_view path, std::string_view contents) {
  const auto file_name = path.substr(path.rfind('/') + 1);
  const auto underscore = file_name.find('_');
  const bool ends_in_sql = file_name.size() > 4 && file_name.substr(file_name.size() - 4) == ".sql";
  int version = 0;
  const bool named_well = underscore != std::string_view::npos && ends_in_sql &&
                          underscore + 1 < file_name.size() - 4 &&
                          parse_version(file_name.substr(0, underscore), version);
  if (!named_well) return error{"migration " + std::string(path) + " is not named NNN_words.sql"};
  return migration{version, std::string(file_name.substr(0, file_name.size() - 4)),
                   std::string(contents)};
}

result<std::vector<migration>> bundled_migrations(backend kind) {
  const std::string folder = std::string("schema/") + to_string(kind) + "/";
  std::vector<migration> found;
  for (const auto& file : embedded::troupe_schema_files()) {
    if (file.path.compare(0, folder.size(), folder) != 0) continue;
    auto parsed = migration_from_file(file.path, file.contents);
    if (!parsed) return parsed.failure();
    found.push_back(std::move(parsed).value());
  }
  std::sort(found.begin(), found.end(),
            [](const migration& a, const migration& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < found.size(); ++i) {
    if (found[i].version == found[i - 1].version) {
      return error{"migrations " + found[i - 1].name + " and " + found[i].name + " (" +
                   to_string(kind) + ") share a version"};
    }
  }
  return found;
}

std::vector<std::string> split_sql_statements(std::string_view script) {
  std::vector<std::string> statements;
  std::string current;
  while (!script.empty()) {
    const auto end = std::min(script.find('\n'), script.size());
    const auto line = script.substr(0, end);
    script.remove_prefix(std::min(end + 1, script.size()));
    const auto content = trim(line);
    if (content.empty() || content.substr(0, 2) == "--") continue;
    if (content.back() != ';') {
      current.append(line).append("\n");
      continue;
    }
    current.append(content.substr(0, content.size() - 1));
    statements.push_back(std::string(trim(current)));
    current.clear();
  }
  if (!trim(current).empty()) statements.push_back(std::string(trim(current)));
  return statements;
}

result<std::vector<std::string>> migrate(database& db) {
  auto bundled = bundled_migrations(db.kind());
  if (!bundled) return bundled.failure();
  auto applied = guarded("cannot read schema_migrations of " + db.url_for_logs(), [&] {
    execute(db.session(), create_ledger);
    return applied_versions(db.session());
  });
  if (!applied) return applied.failure();
  std::vector<std::string> applied_now;
  for (const auto& step : *bundled) {
    if (applied->count(step.version) != 0) continue;
    auto done = apply(db, step);
    if (!done) return done.failure();
    applied_now.push_back(step.name);
  }
  return applied_now;
}

std::vector<std::string> expected_tables() {
  return {"accounts",
          "runner_events",
          "runner_summaries",
          "sessions",
          "content_metadata",
          "posted_decisions",
          "outcomes",
          "bandit_arms",
          "predictors",
          "api_usage",
          "reply_opportunities",
          "strategy_rewards",
          "system_events",
          "aol_control_flags",
          "aol_lease",
          "aol_tick_ledger",
          "aol_actions",
          "aol_execution_logs",
          "job_last_runs",
          "harvester_accounts",
          "monitor_issues",
          "fatal_issues",
          "nodes",
          "pod_leases",
          "cluster_semaphore",
          "cluster_permits",
          "cluster_permit_waiters",
          "cluster_permit_pods",
          "pod_lease_takes",
          "cluster_session_requests",
          "schema_migrations"};
}

result<std::vector<table_status>> check_tables(database& db) {
  const char* list_tables = db.kind() == backend::sqlite
                                ? "SELECT name FROM sqlite_master WHERE type = 'table'"
                                : "SELECT table_name FROM information_schema.tables"
                                  " WHERE table_schema = current_schema()";
  auto existing = guarded("cannot list the tables of " + db.url_for_logs(), [&] {
    std::set<std::string> names;
    std::string name;
    auto select = prepare(db.session(), list_tables, soci::into(name));
    select.execute();
    while (select.fetch()) names.insert(name);
    return names;
  });
  if (!existing) return existing.failure();
  std::vector<table_status> statuses;
  for (auto& name : expected_tables()) {
    const bool present = existing->count(name) != 0;
    statuses.push_back(table_status{std::move(name), present});
  }
  return statuses;
}

}  // namespace troupe::store
