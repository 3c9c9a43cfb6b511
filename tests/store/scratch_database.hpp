// Test support for the store: every store test case runs on each backend of
// `test_backends()` (SQLite always; PostgreSQL too when PGHOST is set, as
// under pg_virtualenv) against a fresh, isolated database.
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/store/database.hpp"

// REQUIRE that a result or status is ok, showing its error message if not.
#define REQUIRE_OK(...)                                                 \
  do {                                                                  \
    const auto& outcome_ = (__VA_ARGS__);                               \
    INFO((outcome_.ok() ? std::string() : outcome_.failure().message)); \
    REQUIRE(outcome_.ok());                                             \
  } while (false)

namespace troupe::store::testing {

// SQLite, plus PostgreSQL when PGHOST is set. Without PGHOST each case says
// "skipped: PostgreSQL not configured ..." on stderr, or fails when
// TROUPE_REQUIRE_POSTGRESQL is set (as tools/test sets it).
std::vector<backend> test_backends();

// A directory under the system's temporary directory, removed with its
// contents on destruction.
class temporary_directory {
 public:
  temporary_directory();
  ~temporary_directory();
  temporary_directory(const temporary_directory&) = delete;
  temporary_directory& operator=(const temporary_directory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A new PostgreSQL schema on the server of the PG* variables, dropped with
// everything in it on destruction.
class temporary_schema {
 public:
  temporary_schema();
  ~temporary_schema();
  temporary_schema(const temporary_schema&) = delete;
  temporary_schema& operator=(const temporary_schema&) = delete;
  // A URL whose connections use this schema.
  const std::string& url() const { return url_; }

 private:
  database admin_;
  std::string name_;
  std::string url_;
};

// A new empty database for one test case: a SQLite file in a temporary
// directory, or a temporary PostgreSQL schema.
class scratch_database {
 public:
  explicit scratch_database(backend kind);

  database& db() { return *db_; }
  // Opens further connections to the same database (and schema).
  const std::string& url() const { return url_; }

 private:
  std::optional<temporary_directory> sqlite_directory_;
  std::optional<temporary_schema> postgresql_schema_;
  std::string url_;
  std::optional<database> db_;  // destroyed first: closed before the schema is dropped
};

// A scratch database with every migration applied.
class migrated_database : public scratch_database {
 public:
  explicit migrated_database(backend kind);
};

}  // namespace troupe::store::testing

namespace Catch {
template <>
struct StringMaker<troupe::store::backend> {
  static std::string convert(troupe::store::backend kind) { return troupe::store::to_string(kind); }
};
}  // namespace Catch
