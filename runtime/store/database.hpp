// A `database` owns one open SOCI session to Troupe's store: a SQLite file
// (WAL, busy timeout, foreign keys on) or a PostgreSQL server. It is
// move-only and NOT thread-safe: one thread at a time uses a database and
// the statements made from its session (the store actor gives each worker
// its own). It keeps the hot statements of the action queue prepared for
// the life of the connection (see `kept`). The backends are linked
// statically; no backend is loaded at run time.
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
#include <typeindex>
#include <typeinfo>
#include <unordered_map>

#include "runtime/result.hpp"

namespace soci {
class session;
}

namespace troupe::store {

enum class backend { sqlite, postgresql };

// A statement a database keeps prepared on its connection, together with
// the values it binds (see database::kept). A kept statement is made with
// its database and must leave no result pending after each use (a SQLite
// statement run to its end), so that it holds no lock or transaction while
// it waits for the next one.
class kept_statement {
 public:
  virtual ~kept_statement() = default;
};

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
  // lock_timeout to `busy_timeout_ms`, ends the session when it idles in a
  // transaction for 10 s, and silences NOTICE messages.
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

  // The `Statement` (a kept_statement constructible from a database&) this
  // connection keeps, prepared the first time it is asked for. Preparing
  // costs a round trip on PostgreSQL (and one more to deallocate), parsing
  // and planning on SQLite; a kept statement costs that once.
  template <class Statement>
  Statement& kept() {
    auto& slot = kept_[std::type_index(typeid(Statement))];
    if (!slot) slot = std::make_unique<Statement>(*this);
    return static_cast<Statement&>(*slot);
  }

  // Drops the kept `Statement`, if any: the next kept() prepares it again.
  // For a statement whose use threw, which may be left half run.
  template <class Statement>
  void forget() {
    kept_.erase(std::type_index(typeid(Statement)));
  }

 private:
  friend class transaction_scope;

  database(backend kind, std::string url, std::unique_ptr<soci::session> session);

  backend kind_;
  std::string url_;
  std::unique_ptr<soci::session> session_;  // never null except after a move
  // Made from *session_: declared after it, so destroyed before it.
  std::unordered_map<std::type_index, std::unique_ptr<kept_statement>> kept_;
  bool in_transaction_ = false;  // a transaction_scope began one
};

}  // namespace troupe::store
