#include "tests/store/scratch_database.hpp"

#include <soci/soci.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>

#include "runtime/store/migrations.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store::testing {
namespace {

std::string random_suffix() {
  std::random_device seed;
  std::mt19937_64 generator((static_cast<std::uint64_t>(seed()) << 32) ^ seed());
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(generator()));
  return text;
}

std::string environment(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

// RFC 3986 percent-encoding of one URL component.
std::string url_encoded(const std::string& text) {
  std::string encoded;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      char escape[4];
      std::snprintf(escape, sizeof escape, "%%%02X", c);
      encoded += escape;
    }
  }
  return encoded;
}

// The server pg_virtualenv (or the user) describes with the PG* variables.
std::string postgresql_url_from_environment() {
  return "postgresql://" + url_encoded(environment("PGUSER", "postgres")) + ":" +
         url_encoded(environment("PGPASSWORD", "")) + "@" +
         url_encoded(environment("PGHOST", "localhost")) + ":" +
         url_encoded(environment("PGPORT", "5432")) + "/" +
         url_encoded(environment("PGDATABASE", "postgres"));
}

database open_or_fail(const std::string& url) {
  auto opened = database::open(url);
  if (!opened) FAIL(opened.failure().message);
  return std::move(opened).value();
}

}  // namespace

std::vector<backend> test_backends() {
  if (std::getenv("PGHOST") != nullptr) return {backend::sqlite, backend::postgresql};
  const auto skipped = "skipped: PostgreSQL not configured (PGHOST unset; run under pg_virtualenv): " +
                       Catch::getResultCapture().getCurrentTestName();
  // tools/test sets TROUPE_REQUIRE_POSTGRESQL: there a skipped case is a failure.
  if (std::getenv("TROUPE_REQUIRE_POSTGRESQL") != nullptr) FAIL(skipped);
  std::cerr << skipped << "\n";
  return {backend::sqlite};
}

temporary_directory::temporary_directory()
    : path_(std::filesystem::temp_directory_path() /
            ("troupe-store-" + std::to_string(getpid()) + "-" + random_suffix())) {
  std::filesystem::create_directories(path_);
}

temporary_directory::~temporary_directory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

temporary_schema::temporary_schema()
    : admin_(open_or_fail(postgresql_url_from_environment())), name_("t_" + random_suffix()) {
  // A throwaway schema needs no durable commits; waiting for WAL flushes
  // would make each test case take a third of a second.
  execute(admin_.session(), "SET synchronous_commit = off");
  execute(admin_.session(), "CREATE SCHEMA " + name_);
  url_ = postgresql_url_from_environment() +
         "?options=" + url_encoded("-c search_path=" + name_ + " -c synchronous_commit=off");
}

temporary_schema::~temporary_schema() {
  try {
    execute(admin_.session(), "DROP SCHEMA " + name_ + " CASCADE");
  } catch (const std::exception& e) {
    std::cerr << "cannot drop test schema " << name_ << ": " << e.what() << "\n";
  }
}

scratch_database::scratch_database(backend kind) {
  if (kind == backend::sqlite) {
    sqlite_directory_.emplace();
    url_ = "sqlite:" + (sqlite_directory_->path() / "store.db").string();
  } else {
    postgresql_schema_.emplace();
    url_ = postgresql_schema_->url();
  }
  db_.emplace(open_or_fail(url_));
}

migrated_database::migrated_database(backend kind) : scratch_database(kind) {
  auto applied = migrate(db());
  if (!applied) FAIL(applied.failure().message);
}

}  // namespace troupe::store::testing
