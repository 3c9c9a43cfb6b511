// The daily summaries per account on a database in a known state, from a
// real `troupe run`: GET /api/summaries (a day, a pod's accounts, today by
// default, a 400 for a bad day or an unknown pod) and `troupe summary`
// asking that daemon, as a table and as JSON.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "runtime/policy/local_time.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/migrations.hpp"
#include "runtime/store/runner_summaries.hpp"
#include "runtime/system_clock.hpp"
#include "tests/api/daemon_fixture.hpp"
#include "tests/cli_client/canned_daemon.hpp"
#include "tests/support/command.hpp"
#include "tests/support/text.hpp"

using namespace troupe;
using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

void add(store::database& db, const store::summary_delta& delta) {
  const auto added = store::add_to_summary(db, delta);
  INFO((added ? std::string() : added.failure().message));
  REQUIRE(added.ok());
}

store::summary_delta delta(const std::string& account, const std::string& day,
                           const std::string& pod, std::int64_t sessions) {
  store::summary_delta summary;
  summary.account_id = account;
  summary.day = day;
  summary.pod = pod;
  summary.sessions = sessions;
  return summary;
}

std::string today_utc() {
  return policy::read_local_clock(date::locate_zone("UTC"), system_now_ms()).day;
}

// The known state: on 2026-03-01 a1 (alpha) and b1 (beta) and an account no
// pod has any more; a1 on the next day too; the retired account today.
void store_known_state(store::database& db, const std::string& today) {
  auto a1 = delta("a1", "2026-03-01", "alpha", 3);
  a1.sessions_by_activity = {{"follow", 2}, {"reels", 1}};
  a1.errors = 1;
  a1.skips = 4;
  a1.recoveries = 1;
  a1.bursts = 1;
  a1.active_ms = 3'723'000;  // 1:02:03
  add(db, a1);
  add(db, delta("b1", "2026-03-01", "beta", 1));
  add(db, delta("zz-retired", "2026-03-01", "gone", 2));
  add(db, delta("a1", "2026-03-02", "alpha", 9));
  add(db, delta("zz-retired", today, "gone", 5));
}

std::vector<std::string> accounts_of(const boost::json::value& rows) {
  std::vector<std::string> accounts;
  for (const auto& row : rows.as_array()) accounts.emplace_back(row.at("account_id").as_string());
  return accounts;
}

std::string error_of(const http_reply& reply) {
  return std::string(reply.json().at("error").at("message").as_string());
}

}  // namespace

TEST_CASE(
    "GET /api/summaries and troupe summary show the daily summaries per account of a day and a "
    "pod") {
  temp_dir dir;
  const auto today = today_utc();
  {
    auto db = store::database::open("sqlite:" + dir.file("troupe.db"));
    REQUIRE(db.ok());
    REQUIRE(store::migrate(*db).ok());
    store_known_state(*db, today);
  }
  const auto config = dir.write("troupe.yaml", daemon_config(dir, 1, ""));
  running_daemon daemon(dir, config);
  const int port = daemon.port();

  const auto day = request(port, "GET", "/api/summaries?day=2026-03-01");
  REQUIRE(day.status == 200);
  const auto rows = day.json();
  INFO(boost::json::serialize(rows));
  CHECK(accounts_of(rows) == std::vector<std::string>{"a1", "b1", "zz-retired"});
  CHECK(rows.as_array().at(0) ==
        boost::json::parse(R"({"account_id":"a1","pod":"alpha","day":"2026-03-01","sessions":3,
      "sessions_by_activity":{"follow":2,"reels":1},"errors":1,"skips":4,"recoveries":1,"bursts":1,
      "active_ms":3723000})"));

  CHECK(accounts_of(request(port, "GET", "/api/summaries?day=2026-03-01&pod=alpha").json()) ==
        std::vector<std::string>{"a1"});
  CHECK(accounts_of(request(port, "GET", "/api/summaries?pod=beta&day=2026-03-01").json()) ==
        std::vector<std::string>{"b1"});
  CHECK(request(port, "GET", "/api/summaries?day=2026-04-01").json() == boost::json::array());

  // Today (the config's timezone, UTC) by default: the retired account's row
  // (the daemon's own accounts may be adding to theirs meanwhile).
  const auto todays = request(port, "GET", "/api/summaries").json();
  INFO(boost::json::serialize(todays));
  bool found = false;
  for (const auto& row : todays.as_array()) {
    CHECK(row.at("day") == today.c_str());
    if (row.at("account_id") == "zz-retired") found = row.at("sessions") == 5;
  }
  CHECK((found || today_utc() != today));  // unless midnight passed meanwhile

  const auto bad_day = request(port, "GET", "/api/summaries?day=2026-02-30");
  CHECK(bad_day.status == 400);
  CHECK(error_of(bad_day) == "day '2026-02-30' is not a date (expected YYYY-MM-DD)");
  CHECK(request(port, "GET", "/api/summaries?day=yesterday").status == 400);
  const auto bad_pod = request(port, "GET", "/api/summaries?pod=gamma");
  CHECK(bad_pod.status == 400);
  CHECK(contains(error_of(bad_pod), "no pod named 'gamma' (pods: "));

  // troupe summary asks the same daemon.
  const auto url = "http://127.0.0.1:" + std::to_string(port);
  const auto table =
      run_command({TROUPE_BINARY, "summary", "--url", url, "--day", "2026-03-01"}, dir, 30s);
  INFO(table.output);
  CHECK(table.exit_code == 0);
  CHECK(contains(table.output, "ACCOUNT"));
  CHECK(contains(table.output, "SESSIONS"));
  CHECK(contains(table.output, "1:02:03"));
  CHECK(contains(table.output, "follow=2, reels=1"));
  CHECK(contains(table.output, "\nb1 "));
  CHECK(contains(table.output, "3 accounts on 2026-03-01: 6 sessions, 1 errors\n"));

  const auto one_pod = run_command(
      {TROUPE_BINARY, "summary", "--url", url, "--day", "2026-03-01", "--pod", "alpha"}, dir, 30s);
  INFO(one_pod.output);
  CHECK(one_pod.exit_code == 0);
  CHECK_FALSE(contains(one_pod.output, "b1"));
  CHECK(contains(one_pod.output, "1 account on 2026-03-01: 3 sessions, 1 errors\n"));

  const auto as_json = run_command(
      {TROUPE_BINARY, "summary", "--url", url, "--day", "2026-03-01", "--json"}, dir, 30s);
  CHECK(as_json.exit_code == 0);
  CHECK(boost::json::parse(as_json.output) == rows);

  const auto empty =
      run_command({TROUPE_BINARY, "summary", "--url", url, "--day", "2026-04-01"}, dir, 30s);
  CHECK(empty.exit_code == 0);
  CHECK(empty.output == "no summaries for 2026-04-01\n");

  const auto malformed =
      run_command({TROUPE_BINARY, "summary", "--url", url, "--day", "2026-13-01"}, dir, 30s);
  CHECK(malformed.exit_code == 2);
  CHECK(contains(malformed.output,
                 "troupe summary: day '2026-13-01' is not a date (expected YYYY-MM-DD)"));
  const auto unknown =
      run_command({TROUPE_BINARY, "summary", "--url", url, "--pod", "gamma"}, dir, 30s);
  CHECK(unknown.exit_code == 2);
  CHECK(contains(unknown.output, "answered 400: no pod named 'gamma'"));
  const auto unreachable = run_command(
      {TROUPE_BINARY, "summary", "--url", "http://127.0.0.1:" + std::to_string(closed_port())}, dir,
      30s);
  CHECK(unreachable.exit_code == 1);
  CHECK(contains(unreachable.output, "troupe summary: cannot reach"));
}
