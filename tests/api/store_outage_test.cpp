// The store under a running daemon: while another connection holds the
// SQLite database locked (longer than the busy timeout), or while
// PostgreSQL is unreachable for 30 s (its connections reset and new ones
// refused by a proxy between the daemon and the server), sessions go on
// ending; once the database is back, the write-behind catches up and no
// session's row is lost or left open.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <soci/soci.h>

#include <thread>

#include "runtime/store/database.hpp"
#include "runtime/store/migrations.hpp"
#include "runtime/store/statements.hpp"
#include "tests/api/daemon_fixture.hpp"
#include "tests/store/scratch_database.hpp"
#include "tests/support/tcp_proxy.hpp"
#include "tests/support/text.hpp"

using namespace troupe;
using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

// Sessions ended so far, by the daemon's own count (memory, not the store).
std::int64_t sessions_ended(int port) {
  auto reply = request(port, "GET", "/api/metrics");
  if (reply.status != 200) return -1;
  const auto metrics = reply.json();
  std::int64_t total = 0;
  for (const auto& by_activity : metrics.at("sessions").as_object()) {
    for (const auto& by_outcome : by_activity.value().as_object()) total += by_outcome.value().to_number<std::int64_t>();
  }
  return total;
}

// Counts the rows of ended and still open sessions.
std::pair<long long, long long> session_rows(store::database& db) {
  long long ended = 0, open = 0;
  store::query_first_row(db.session(), "SELECT COUNT(*) FROM sessions WHERE ended_at_ms IS NOT NULL",
                         soci::into(ended));
  store::query_first_row(db.session(), "SELECT COUNT(*) FROM sessions WHERE ended_at_ms IS NULL", soci::into(open));
  return {ended, open};
}

bool postgresql_configured() {
  const auto backends = store::testing::test_backends();
  return std::find(backends.begin(), backends.end(), store::backend::postgresql) != backends.end();
}

// One outage is one run of failed flushes, however many flushes failed in
// it (reconnects too): logged once at its start and once at its end.
void check_one_logged_run_of_failures(const std::string& output) {
  CHECK(lines_containing(output, "; will retry") == 1);
  CHECK(lines_containing(output, "store: writes resumed after ") == 1);
}

}  // namespace

TEST_CASE("sessions that end while the database is locked are all written once it is free") {
  temp_dir dir;
  auto yaml = daemon_config(dir, 2, "");
  const std::string db_line = "db: {url: \"sqlite:" + dir.file("troupe.db") + "\"}";
  yaml.replace(yaml.find(db_line), db_line.size(),
               "db: {url: \"sqlite:" + dir.file("troupe.db") + "\", busyTimeoutMs: 500}");
  const auto config = dir.write("troupe.yaml", yaml);
  running_daemon daemon(dir, config);
  const int port = daemon.port();
  REQUIRE(eventually([&] { return sessions_ended(port) >= 2; }, 60s));

  auto db = store::database::open("sqlite:" + dir.file("troupe.db"));
  REQUIRE(db.ok());
  store::execute(db->session(), "BEGIN EXCLUSIVE");
  const auto before_lock = sessions_ended(port);
  // Held until more sessions have ended than before (bounded): their rows must wait.
  const bool more_ended = eventually([&] { return sessions_ended(port) >= before_lock + 2; }, 30s);
  std::this_thread::sleep_for(1s);  // past the 500 ms busy timeout: the store's writes fail meanwhile
  store::execute(db->session(), "COMMIT");
  REQUIRE(more_ended);

  const auto ended_seen = sessions_ended(port);
  daemon.process().signal(SIGTERM);
  REQUIRE(daemon.process().wait(60s) == 0);
  const auto output = daemon.process().output();
  INFO(output);
  CHECK(output.find("will retry") != std::string::npos);  // the store's writes did fail while locked
  check_one_logged_run_of_failures(output);

  const auto [rows, open_rows] = session_rows(*db);
  CHECK(rows >= ended_seen);  // every session the daemon saw end, and those ended while draining
  CHECK(open_rows == 0);
}

TEST_CASE("sessions that end while PostgreSQL is unreachable for 30 s are all written once it is back") {
  if (!postgresql_configured()) return;  // test_backends() said why
  store::testing::temporary_schema schema;
  const std::string host = std::getenv("PGHOST");
  const std::string port_text = std::getenv("PGPORT") ? std::getenv("PGPORT") : "5432";
  testing::tcp_proxy proxy(host, port_text);
  // The schema's URL, through the proxy.
  std::string url = schema.url();
  const auto at = url.find('@');
  const auto slash = url.find('/', at);
  url.replace(at + 1, slash - at - 1, "127.0.0.1:" + std::to_string(proxy.port()));
  {
    auto migrated = store::database::open(url);
    REQUIRE(migrated.ok());
    REQUIRE(store::migrate(*migrated).ok());
  }
  temp_dir dir;
  auto yaml = daemon_config(dir, 2, "");
  const std::string db_line = "db: {url: \"sqlite:" + dir.file("troupe.db") + "\"}";
  yaml.replace(yaml.find(db_line), db_line.size(), "db: {url: \"" + url + "\"}");
  running_daemon daemon(dir, dir.write("troupe.yaml", yaml));
  const int port = daemon.port();
  REQUIRE(eventually([&] { return sessions_ended(port) >= 2; }, 60s));

  proxy.cut();
  const auto cut_at = std::chrono::steady_clock::now();
  const auto before_cut = sessions_ended(port);
  // Sessions go on ending while the database is gone (their rows must wait).
  const bool more_ended = eventually([&] { return sessions_ended(port) >= before_cut + 2; }, 30s);
  std::this_thread::sleep_until(cut_at + 30s);  // the outage lasts its 30 s whatever the sessions did
  CHECK(request(port, "GET", "/api/health").status == 200);  // the daemon stayed up
  proxy.restore();
  REQUIRE(more_ended);

  const auto ended_seen = sessions_ended(port);
  daemon.process().signal(SIGTERM);
  REQUIRE(daemon.process().wait(90s) == 0);
  const auto output = daemon.process().output();
  INFO(output);
  CHECK(output.find("will retry") != std::string::npos);  // the store's writes did fail while it was gone
  check_one_logged_run_of_failures(output);
  auto db = store::database::open(url);
  REQUIRE(db.ok());
  const auto [rows, open_rows] = session_rows(*db);
  CHECK(rows >= ended_seen);  // every session the daemon saw end, and those ended while draining
  CHECK(open_rows == 0);
}
