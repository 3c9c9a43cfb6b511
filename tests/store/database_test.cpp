#include "runtime/store/database.hpp"

#include <soci/soci.h>

#include "config/secrets.hpp"
#include "runtime/store/statements.hpp"
#include "tests/store/scratch_database.hpp"

using namespace troupe::store;
using Catch::Matchers::Contains;
using troupe::store::testing::scratch_database;
using troupe::store::testing::test_backends;

TEST_CASE("a sqlite: URL names a file path, relative or absolute") {
  auto relative = parse_database_url("sqlite:data/troupe.db");
  REQUIRE(relative.ok());
  CHECK(relative->kind == backend::sqlite);
  CHECK(relative->target == "data/troupe.db");

  auto absolute = parse_database_url("sqlite:/var/lib/troupe/troupe.db");
  REQUIRE(absolute.ok());
  CHECK(absolute->target == "/var/lib/troupe/troupe.db");

  auto memory = parse_database_url("sqlite::memory:");
  REQUIRE(memory.ok());
  CHECK(memory->target == ":memory:");
}

TEST_CASE("postgresql:// and postgres:// URLs go to libpq as they are, the defaults they lack added") {
  for (const std::string url : {"postgresql://troupe@db.example:5433/troupe?sslmode=require",
                                "postgres://troupe:pw@localhost/troupe?connect_timeout=5"}) {
    auto location = parse_database_url(url);
    REQUIRE(location.ok());
    CHECK(location->kind == backend::postgresql);
    CHECK(location->target.rfind(url + "&application_name=troupe&", 0) == 0);
  }
  auto own_timeout = parse_database_url("postgres://troupe:pw@localhost/troupe?connect_timeout=5");
  REQUIRE(own_timeout.ok());
  CHECK(own_timeout->target.find("connect_timeout=10") == std::string::npos);
}

TEST_CASE("a PostgreSQL URL is given the daemon's name and fail-fast TCP settings unless it names its own") {
  const std::string defaults =
      "application_name=troupe&connect_timeout=10&keepalives=1&keepalives_idle=10&keepalives_interval=5"
      "&keepalives_count=3&tcp_user_timeout=20000";
  auto bare = parse_database_url("postgresql://localhost/troupe");
  REQUIRE(bare.ok());
  CHECK(bare->target == "postgresql://localhost/troupe?" + defaults);
  auto own = parse_database_url("postgresql://localhost/troupe?sslmode=disable&tcp_user_timeout=5000");
  REQUIRE(own.ok());
  CHECK(own->target ==
        "postgresql://localhost/troupe?sslmode=disable&tcp_user_timeout=5000&application_name=troupe"
        "&connect_timeout=10&keepalives=1&keepalives_idle=10&keepalives_interval=5&keepalives_count=3");
}

TEST_CASE("a PostgreSQL URL with whitespace or a double quote is refused") {
  auto spaced = parse_database_url("postgresql://troupe:a b@localhost/troupe?sslmode=disable");
  REQUIRE_FALSE(spaced.ok());
  CHECK_THAT(spaced.failure().message, Contains("percent-encode"));
  CHECK_THAT(spaced.failure().message, !Contains("a b"));
  CHECK_FALSE(parse_database_url("postgresql://localhost/troupe?options=\"x\"").ok());
}

TEST_CASE("an unknown scheme, an empty SQLite path or a path with '=' is refused") {
  auto unknown = parse_database_url("mysql://u:hunter2@host/db");
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.failure().message, Contains("unknown scheme"));
  CHECK_THAT(unknown.failure().message, !Contains("hunter2"));

  auto empty = parse_database_url("sqlite:");
  REQUIRE_FALSE(empty.ok());
  CHECK_THAT(empty.failure().message, Contains("no file path"));

  CHECK_FALSE(parse_database_url("sqlite:a=b.db").ok());
  CHECK_FALSE(parse_database_url("troupe.db").ok());
}

TEST_CASE("opening a SQLite file in a missing directory fails with the URL and SQLite's reason") {
  auto opened = database::open("sqlite:/nonexistent/dir/x.db");
  REQUIRE_FALSE(opened.ok());
  CHECK_THAT(opened.failure().message,
             Contains("cannot open database sqlite:/nonexistent/dir/x.db: "));
  CHECK_THAT(opened.failure().message, Contains("unable to open database file"));
}

TEST_CASE("opening an unreachable PostgreSQL server fails without showing the password") {
  auto opened = database::open("postgresql://troupe:s3cr3t@127.0.0.1:1/troupe?connect_timeout=2");
  REQUIRE_FALSE(opened.ok());
  CHECK_THAT(opened.failure().message,
             Contains("cannot open database postgresql://troupe:<redacted>@127.0.0.1:1/troupe"));
  CHECK_THAT(opened.failure().message, !Contains("s3cr3t"));
}

TEST_CASE("a negative busy timeout is refused") {
  auto opened = database::open("sqlite::memory:", -1);
  REQUIRE_FALSE(opened.ok());
  CHECK_THAT(opened.failure().message, Contains("busy timeout"));
}

TEST_CASE("a SQLite database is opened in WAL mode with foreign keys on and the busy timeout") {
  troupe::store::testing::temporary_directory directory;
  auto opened = database::open("sqlite:" + (directory.path() / "t.db").string(), 1234);
  REQUIRE(opened.ok());
  database db = std::move(opened).value();  // a database moves with its session
  CHECK(db.kind() == backend::sqlite);
  std::string journal_mode;
  int foreign_keys = 0, busy_timeout = 0, synchronous = 0;
  execute(db.session(), "PRAGMA journal_mode", soci::into(journal_mode));
  execute(db.session(), "PRAGMA foreign_keys", soci::into(foreign_keys));
  execute(db.session(), "PRAGMA busy_timeout", soci::into(busy_timeout));
  execute(db.session(), "PRAGMA synchronous", soci::into(synchronous));
  CHECK(journal_mode == "wal");
  CHECK(foreign_keys == 1);
  CHECK(busy_timeout == 1234);
  CHECK(synchronous == 1);  // NORMAL
}

TEST_CASE("a sqlite::memory: database opens") {
  auto opened = database::open("sqlite::memory:");
  REQUIRE(opened.ok());
  int answer = 0;
  execute(opened->session(), "SELECT 42", soci::into(answer));
  CHECK(answer == 42);
}

TEST_CASE("a database knows its backend and keeps its URL, which logs get without the password") {
  const backend kind = GENERATE(from_range(test_backends()));
  scratch_database scratch(kind);
  CHECK(scratch.db().kind() == kind);
  CHECK(std::string(to_string(kind)) == (kind == backend::sqlite ? "sqlite" : "postgresql"));
  CHECK(scratch.db().url() == scratch.url());
  CHECK(scratch.db().url_for_logs() == troupe::config::redact_url_password(scratch.url()));
}

TEST_CASE("a PostgreSQL session waits for locks at most the busy timeout and idles in a transaction at most 10 s") {
  if (std::getenv("PGHOST") == nullptr) {
    WARN("PGHOST is not set: skipped");
    return;
  }
  scratch_database scratch(backend::postgresql);
  auto opened = database::open(scratch.url(), 1234);
  REQUIRE(opened.ok());
  std::string lock_timeout, idle_timeout;
  execute(opened->session(), "SHOW lock_timeout", soci::into(lock_timeout));
  CHECK(lock_timeout == "1234ms");
  execute(opened->session(), "SHOW idle_in_transaction_session_timeout", soci::into(idle_timeout));
  CHECK(idle_timeout == "10s");

  // An operator's own setting, in the URL's options, is kept.
  const std::string options = "options=";
  auto url = scratch.url();
  const auto at = url.find(options);
  REQUIRE(at != std::string::npos);
  url.insert(at + options.size(), "-c%20idle_in_transaction_session_timeout%3D3000%20");
  auto own = database::open(url);
  REQUIRE(own.ok());
  execute(own->session(), "SHOW idle_in_transaction_session_timeout", soci::into(idle_timeout));
  CHECK(idle_timeout == "3s");
}
