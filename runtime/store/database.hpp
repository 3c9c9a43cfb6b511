// A `database` owns one open SOCI session to Troupe's store: a SQLite file
// (WAL, busy timeout, foreign keys on) or a PostgreSQL server. It is
// move-only and NOT thread-safe: one thread at a time uses a database and
// the statements made from its session (the store actor gives each worker
// its own). The backends are linked statically; no backend is loaded at run
// time.
//
// URLs:
//   sqlite:PATH              a file, relative to the working directory or absolute
//   sqlite::memory:          a private in-memory database (tests, demos)
//   postgresql://...         passed to libpq as it is (postgres:// too); one
//                            without query parameters gets
//                            ?application_name=troupe (see database.cpp)
#pragma once

#include <memory>
#include <string>

#include "runtime/result.hpp"

namespace soci {
class session;
}

namespace troupe::store {

enum class backend { sqlite, postgresql };

// "sqlite" or "postgresql".
const char* to_string(backend kind);

// Where a URL points: the backend and the string its driver gets (the
// SQLite path, or the whole PostgreSQL URL).
struct database_location {
  backend kind;
  std::string target;
};

// Splits a database URL; fails on an unknown scheme, an empty SQLite path or
// a PostgreSQL URL with whitespace.
result<database_location> parse_database_url(const std::string& url);

class database {
 public:
  // Connects and prepares the session: on SQLite sets journal_mode=WAL,
  // busy_timeout, foreign_keys=ON and synchronous=NORMAL; on PostgreSQL sets
  // lock_timeout to `busy_timeout_ms` and silences NOTICE messages.
  static result<database> open(const std::string& url, int busy_timeout_ms = 5000);

  database(database&&) noexcept;
  database& operator=(database&&) noexcept;
  database(const database&) = delete;
  database& operator=(const database&) = delete;
  ~database();

  backend kind() const { return kind_; }
  soci::session& session() { return *session_; }
  // The URL as given to open(), password included: do not log it.
  const std::string& url() const { return url_; }
  // The URL with any password redacted.
  std::string url_for_logs() const;

 private:
  database(backend kind, std::string url, std::unique_ptr<soci::session> session);

  backend kind_;
  std::string url_;
  std::unique_ptr<soci::session> session_;  // never null except after a move
};

}  // namespace troupe::store
