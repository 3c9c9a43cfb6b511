// Schema migrations: the numbered SQL files of schema/<backend>/ (carried in
// the binary) applied in order, each in one transaction together with its
// row in `schema_migrations`. Also the list of tables the store expects and a
// check of which exist. Every function uses the given database only; the
// database's own contract (one thread at a time) applies.
//
// Migration files are named NNN_words.sql (NNN is the version, e.g.
// 001_init.sql) and hold statements each ending with ';' at the end of a line;
// lines starting with "--" are comments. See schema/README.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

struct migration {
  int version;         // NNN of the file name
  std::string name;    // the file name without ".sql", e.g. "001_init"
  std::string script;  // the file's contents
};

// The migration in the file at `path` (its name is NNN_words.sql, NNN a
// positive number); fails on any other file name.
result<migration> migration_from_file(std::string_view path, std::string_view contents);

// The migrations bundled for `kind`, by ascending version; fails on a file
// name that is not NNN_words.sql or on a version used twice.
result<std::vector<migration>> bundled_migrations(backend kind);

// Splits a migration script into statements: a statement ends at a line
// whose last non-blank character is ';' (the ';' is dropped). Comment lines
// ("--" first) and blank lines are dropped, so a ';' may not end a line
// inside a statement (e.g. in a string literal) and a statement's line may
// not carry a trailing "--" comment after its ';'. Text after the last ';'
// is a final statement.
std::vector<std::string> split_sql_statements(std::string_view script);

// Applies the bundled migrations of the database's backend that are not yet
// recorded in `schema_migrations` (created if missing), in version order, and
// returns the names applied now (empty when the schema is current). A failed
// migration is rolled back whole and stops the run; the error names it.
result<std::vector<std::string>> migrate(database& db);

// Every table the migrations create, schema_migrations included.
std::vector<std::string> expected_tables();

struct table_status {
  std::string name;
  bool present;
};

// Whether each of expected_tables() exists (on PostgreSQL: in the current
// schema), in the order of expected_tables().
result<std::vector<table_status>> check_tables(database& db);

}  // namespace troupe::store
