#include "runtime/store/database.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <exception>
#include <utility>

#include "config/secrets.hpp"
#include "runtime/store/statements.hpp"
#include "runtime/store/transaction_scope.hpp"

namespace troupe::store {
namespace {

constexpr std::string_view sqlite_scheme = "sqlite:";

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// SOCI's SQLite backend reads "key=value" options when the connect string
// holds an '='; a bare path is taken whole, spaces included.
result<database_location> parse_sqlite_url(const std::string& url) {
  std::string path = url.substr(sqlite_scheme.size());
  if (path.empty()) return error{"database URL " + url + " has no file path (sqlite:PATH)"};
  if (path.find('=') != std::string::npos) {
    return error{"database URL " + url + ": a SQLite path may not contain '='"};
  }
  return database_location{backend::sqlite, std::move(path)};
}

// The connection parameters a URL gets unless it names them: the daemon's
// name in pg_stat_activity, and TCP settings under which a connection over a
// dead link fails within about 30 s, after which the store connects again,
// instead of waiting out the kernel's retransmissions (backing off to two
// minutes each, for up to a quarter of an hour): a cluster node cut off and
// reconnected writes again (or is refused as stale) promptly.
constexpr std::pair<const char*, const char*> connection_defaults[] = {
    {"application_name", "troupe"}, {"connect_timeout", "10"},    {"keepalives", "1"},
    {"keepalives_idle", "10"},      {"keepalives_interval", "5"}, {"keepalives_count", "3"},
    {"tcp_user_timeout", "20000"}};

bool names_parameter(const std::string& url, const std::string& key) {
  return url.find("?" + key + "=") != std::string::npos || url.find("&" + key + "=") != std::string::npos;
}

// SOCI 4.0's PostgreSQL factory re-reads its connect string as space
// separated key=value pairs (for its own "singlerows" option) and rebuilds it.
// A URL comes through unchanged only if it holds an '=' (which the defaults
// give it) and no whitespace or '"'.
result<database_location> parse_postgresql_url(const std::string& url) {
  if (url.find_first_of(" \t\r\n\"") != std::string::npos) {
    return error{"database URL " + config::redact_url_password(url) +
                 ": percent-encode whitespace and '\"' (as %20 and %22)"};
  }
  auto target = url;
  for (const auto& [key, value] : connection_defaults) {
    if (names_parameter(url, key)) continue;
    target += (target.find('?') == std::string::npos ? "?" : "&") + std::string(key) + "=" + value;
  }
  return database_location{backend::postgresql, std::move(target)};
}

void prepare_sqlite(soci::session& session, int busy_timeout_ms) {
  // The busy timeout comes first so that switching to WAL waits for a writer.
  execute(session, "PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms));
  execute(session, "PRAGMA journal_mode = WAL");
  execute(session, "PRAGMA foreign_keys = ON");
  execute(session, "PRAGMA synchronous = NORMAL");
}

// How long the server keeps a session of ours idle inside a transaction
// before it ends the session. Ours never idle there (a transaction is a few
// statements in a row), so one that does belongs to a node cut off, paused
// or dead mid-transaction: its locks (a pod lease row locked FOR SHARE by a
// fenced write, the cluster semaphore's row) would otherwise outlive it until
// the server's TCP gives up on it, minutes or hours later, and no other node
// could take its pods or grant a permit meanwhile. An operator's own setting
// (in the URL's `options`) wins.
constexpr int idle_in_transaction_timeout_ms = 10000;

void prepare_postgresql(soci::session& session, const std::string& url, int busy_timeout_ms) {
  // libpq prints NOTICEs ("relation already exists, skipping") on stderr.
  execute(session, "SET client_min_messages = WARNING");
  execute(session, "SET lock_timeout = " + std::to_string(busy_timeout_ms));
  if (url.find("idle_in_transaction_session_timeout") == std::string::npos) {
    execute(session, "SET idle_in_transaction_session_timeout = " +
                         std::to_string(idle_in_transaction_timeout_ms));
  }
}

}  // namespace

const char* to_string(backend kind) { return kind == backend::sqlite ? "sqlite" : "postgresql"; }

result<database_location> parse_database_url(const std::string& url) {
  if (starts_with(url, sqlite_scheme)) return parse_sqlite_url(url);
  if (starts_with(url, "postgresql://") || starts_with(url, "postgres://")) {
    return parse_postgresql_url(url);
  }
  return error{"database URL " + config::redact_url_password(url) +
               " has an unknown scheme (expected sqlite:PATH or postgresql://...)"};
}

result<database> database::open(const std::string& url, int busy_timeout_ms) {
  auto location = parse_database_url(url);
  if (!location) return location.failure();
  if (busy_timeout_ms < 0) return error{"busy timeout must not be negative"};
  try {
    std::unique_ptr<soci::session> session;
    if (location->kind == backend::sqlite) {
      session = std::make_unique<soci::session>(soci::sqlite3, location->target);
      prepare_sqlite(*session, busy_timeout_ms);
    } else {
      session = std::make_unique<soci::session>(soci::postgresql, location->target);
      prepare_postgresql(*session, url, busy_timeout_ms);
    }
    return database(location->kind, url, std::move(session));
  } catch (const std::exception& e) {
    return error{"cannot open database " + config::redact_url_password(url) + ": " + e.what()};
  }
}

std::string database::url_for_logs() const { return config::redact_url_password(url_); }

database::database(backend kind, std::string url, std::unique_ptr<soci::session> session)
    : kind_(kind), url_(std::move(url)), session_(std::move(session)) {}

database::database(database&&) noexcept = default;

// Member by member would replace the session while the kept statements made
// from it still exist.
database& database::operator=(database&& other) noexcept {
  kept_.clear();
  kind_ = other.kind_;
  url_ = std::move(other.url_);
  session_ = std::move(other.session_);
  kept_ = std::move(other.kept_);
  in_transaction_ = other.in_transaction_;
  return *this;
}
database::~database() = default;

transaction_scope::transaction_scope(database& db) : db_(db), outermost_(!db.in_transaction_) {
  if (!outermost_) return;
  db_.session().begin();
  db_.in_transaction_ = true;
}

transaction_scope::~transaction_scope() {
  if (!outermost_ || done_) return;
  db_.in_transaction_ = false;
  try {
    db_.session().rollback();
  } catch (const std::exception&) {
    // The connection broke: the server rolled back already, and the caller reports the failure.
  }
}

void transaction_scope::commit() {
  if (!outermost_) return;
  done_ = true;
  db_.in_transaction_ = false;
  db_.session().commit();
}

}  // namespace troupe::store
