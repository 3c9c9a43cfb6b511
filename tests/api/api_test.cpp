// The HTTP API of a running daemon, as operators and the console use it:
// every endpoint, the admin token, malformed requests, Prometheus text and
// hot reload.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>

#include "runtime/store/aol_execution_logs.hpp"
#include "runtime/store/api_usage.hpp"
#include "runtime/store/content_decisions.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/outcomes.hpp"
#include "runtime/store/posted_decisions.hpp"
#include "tests/api/daemon_fixture.hpp"
#include "tests/support/text.hpp"

using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

boost::json::array recent_sessions(int port) {
  const auto listed = request(port, "GET", "/api/sessions?limit=1000").json();
  return listed.at("sessions").as_array();
}

// The ids of the sessions that have not ended.
std::set<std::string> unfinished_sessions(int port) {
  std::set<std::string> ids;
  for (const auto& session : recent_sessions(port)) {
    if (session.at("outcome").is_null()) ids.insert(std::string(session.at("id").as_string()));
  }
  return ids;
}

// The outcomes of those of `ids` that have ended.
std::map<std::string, std::string> outcomes_of(int port, const std::set<std::string>& ids) {
  std::map<std::string, std::string> outcomes;
  for (const auto& session : recent_sessions(port)) {
    const std::string id(session.at("id").as_string());
    if (ids.count(id) && !session.at("outcome").is_null()) outcomes[id] = session.at("outcome").as_string().c_str();
  }
  return outcomes;
}

std::int64_t permits_in_use(int port) {
  auto reply = request(port, "GET", "/api/metrics");
  if (reply.status != 200) return -1;
  return reply.json().at("permits").at("in_use").as_int64();
}

// Runs python3's Prometheus parser over `text`; returns its complaint, empty when it parsed.
std::string prometheus_parse_problem(const temp_dir& dir, const std::string& text) {
  const auto input = dir.write("metrics.txt", text);
  const auto script = dir.write("parse.py",
                                "import sys\n"
                                "from prometheus_client.parser import text_string_to_metric_families\n"
                                "families = list(text_string_to_metric_families(open(sys.argv[1]).read()))\n"
                                "print('families', len(families))\n");
  auto parsed = run_command({"/usr/bin/python3", script, input}, dir, 30s);
  return parsed.exit_code == 0 ? "" : parsed.output;
}

}  // namespace

TEST_CASE("every read endpoint answers JSON of the contract's shape") {
  temp_dir dir;
  running_daemon daemon(dir, dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token)));
  const int port = daemon.port();
  REQUIRE(eventually([&] { return request(port, "GET", "/api/events?kind=finish").json().at("events").as_array().size() > 0; }, 30s));

  CHECK(request(port, "GET", "/api/health").json().at("status") == "ok");
  auto ready = request(port, "GET", "/api/ready");
  CHECK(ready.status == 200);
  CHECK(ready.json().at("ready") == true);
  CHECK(ready.json().at("checks").at("store").at("ok") == true);
  auto version = request(port, "GET", "/api/version").json();
  CHECK(version.at("version") == TROUPE_VERSION);
  CHECK(version.at("config_version") == 1);

  auto env = request(port, "GET", "/env");
  CHECK(env.status == 200);
  CHECK(env.json().at("flags").at("mode").at("value") == "shadow");
  CHECK(env.json().at("postingAllowed") == boost::json::parse(R"({"allowed":false,"reason":"shadow_mode"})"));
  CHECK(env.json().at("analyticsAllowed") == boost::json::parse(R"({"allowed":false,"reason":"shadow_mode"})"));
  CHECK(contains(std::string(env.json().at("summary").as_string()), "posting=blocked(shadow_mode)"));
  CHECK_FALSE(contains(env.body, test_admin_token));

  auto config = request(port, "GET", "/api/config");
  CHECK(config.json().at("config_version") == 1);
  CHECK(config.json().at("files").as_array().size() == 1);
  CHECK(config.json().at("config").at("concurrency") == 1);
  CHECK_FALSE(contains(config.body, test_admin_token));

  auto actors = request(port, "GET", "/api/actors").json();
  // supervisor, 2 pods, 6 accounts, the plan, reply, posting, collect, learn, harvest, schedule, execute and
  // monitor jobs, and the cleanup job
  CHECK(actors.at("count") == 19);
  std::set<std::string> ids;
  for (const auto& actor : actors.at("actors").as_array()) ids.insert(std::string(actor.at("id").as_string()));
  CHECK(ids.count("supervisor") == 1);
  CHECK(ids.count("pod:alpha") == 1);
  CHECK(ids.count("account:b3") == 1);
  CHECK(ids.count("job:plan") == 1);
  CHECK(ids.count("job:reply") == 1);
  CHECK(ids.count("job:posting") == 1);
  CHECK(ids.count("job:cleanup") == 1);
  CHECK(ids.count("job:harvest") == 1);
  CHECK(ids.count("job:execute") == 1);
  auto a1 = request(port, "GET", "/api/actors/account:a1");
  CHECK(a1.json().at("parent") == "pod:alpha");
  CHECK(request(port, "GET", "/api/actors/account:nobody").status == 404);

  auto pods = request(port, "GET", "/api/pods").json().at("pods").as_array();
  REQUIRE(pods.size() == 2);
  CHECK(pods[0].at("accounts").as_array().size() == 3);
  auto accounts = request(port, "GET", "/api/accounts").json().at("accounts").as_array();
  CHECK(accounts.size() == 6);
  auto b2 = request(port, "GET", "/api/accounts/b2").json();
  CHECK(b2.at("pod") == "beta");
  CHECK(b2.at("needs_recovery") == false);
  CHECK(request(port, "GET", "/api/accounts/zz").status == 404);

  auto events = request(port, "GET", "/api/events?kind=finish&limit=1").json();
  REQUIRE(events.at("events").as_array().size() == 1);
  const auto first = events.at("events").at(0);
  CHECK(events.at("next_after") == first.at("id"));
  const auto next = request(port, "GET", "/api/events?after=" + std::to_string(first.at("id").as_int64()) +
                                            "&account=" + std::string(first.at("account").as_string()))
                        .json();
  for (const auto& event : next.at("events").as_array()) {
    CHECK(event.at("id").as_int64() > first.at("id").as_int64());
    CHECK(event.at("account") == first.at("account"));
  }
  CHECK(request(port, "GET", "/api/events?since=yesterday").status == 400);

  auto sessions = request(port, "GET", "/api/sessions?since=2020-01-01T00:00:00.000Z&limit=100000");
  REQUIRE(sessions.status == 200);
  REQUIRE_FALSE(sessions.json().at("sessions").as_array().empty());
  const std::string session_id(first.at("session").as_string());
  auto log = request(port, "GET", "/api/sessions/" + session_id + "/log");
  CHECK(log.status == 200);
  CHECK(contains(log.header("Content-Type"), "text/plain"));
  CHECK(contains(log.body, "starting"));
  CHECK(request(port, "GET", "/api/sessions/no-such-session/log").status == 404);

  auto metrics = request(port, "GET", "/api/metrics").json();
  CHECK(metrics.at("permits").at("capacity") == 1);
  CHECK(metrics.at("http_requests").to_number<std::uint64_t>() > 0);

  auto page = request(port, "GET", "/");
  CHECK(page.status == 200);
  CHECK(contains(page.header("Content-Type"), "text/html"));
  CHECK(request(port, "GET", "/console/console.js").status == 200);
  CHECK(request(port, "GET", "/console/missing.js").status == 404);
}

TEST_CASE("/metrics is Prometheus text a parser accepts, with the families operators alert on") {
  temp_dir dir;
  running_daemon daemon(dir, dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token)));
  REQUIRE(eventually([&] { return contains(request(daemon.port(), "GET", "/metrics").body, "troupe_sessions_total{"); }, 30s));
  auto reply = request(daemon.port(), "GET", "/metrics");
  CHECK(contains(reply.header("Content-Type"), "text/plain; version=0.0.4"));
  for (const char* family : {"troupe_permits_in_use", "troupe_permits_waiting", "troupe_handoff_delay_seconds_bucket",
                             "troupe_config_last_reload_successful 1", "troupe_http_requests_total",
                             "troupe_restarts_total", "troupe_recoveries_total"}) {
    CHECK(contains(reply.body, family));
  }
  CHECK(prometheus_parse_problem(dir, reply.body) == "");
}

TEST_CASE("the metrics count posts attempted and posted, real outcomes, rewards learned, the predictor version, skips by reason and learn runs") {
  temp_dir dir;
  // Shadow mode (the default): the posting job keeps every decision back.
  running_daemon daemon(
      dir, dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token) +
                                        "jobs: {plan: {enabled: false}, reply: {enabled: false},"
                                        " collect: {enabled: false}, posting: {everyMs: 1000},"
                                        " learn: {everyMs: 1000}}\n"));
  const int port = daemon.port();
  auto before = request(port, "GET", "/api/metrics").json();
  CHECK(before.at("postsAttempted") == 0);
  CHECK(before.at("postsPosted") == 0);
  CHECK(before.at("outcomesWritten") == 0);
  CHECK(before.at("banditArmsUpdated") == 0);
  CHECK(before.at("predictorVersion").is_null());

  auto db = troupe::store::database::open("sqlite:" + dir.file("troupe.db"));
  REQUIRE(db.ok());
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  using troupe::store::decision_status;
  auto add = [&](const std::string& id, troupe::store::generation_source source) {
    troupe::store::content_decision decision;
    decision.decision_id = id;
    decision.account_id = "a1";
    decision.source = source;
    REQUIRE(troupe::store::insert_decision(*db, decision, now_ms).ok());
  };
  add("kept-1", troupe::store::generation_source::real);
  add("kept-2", troupe::store::generation_source::real);
  for (const char* id : {"posted-1", "posted-2", "in-flight", "failed"}) {
    add(id, troupe::store::generation_source::real);
    REQUIRE(troupe::store::set_decision_status(*db, id, decision_status::posting, std::nullopt, now_ms).ok());
  }
  REQUIRE(troupe::store::set_decision_status(*db, "failed", decision_status::failed, std::string("exit 1"), now_ms).ok());
  for (const char* id : {"posted-1", "posted-2"}) {
    REQUIRE(troupe::store::record_post(*db, id, std::string("p-") + id, now_ms).ok());
  }
  auto outcome = [&](const std::string& id, const std::string& horizon, bool simulated) {
    troupe::store::outcome row;
    row.decision_id = id;
    row.post_id = "p-" + id;
    row.horizon = horizon;
    row.collected_at_ms = now_ms;
    row.simulated = simulated;
    REQUIRE(troupe::store::insert_outcome(*db, row).ok());
  };
  outcome("posted-1", "first", false);
  outcome("posted-1", "24h", false);
  outcome("posted-2", "first", true);
  REQUIRE(troupe::store::record_reward(*db, "posted-1", "craft-tip", 0.5, now_ms).ok());
  troupe::store::predictor model;
  model.name = troupe::store::content_predictor;
  model.weights_json = "{}";
  for (int i = 0; i < 3; ++i) REQUIRE(troupe::store::store_predictor(*db, model).ok());

  boost::json::value metrics;
  REQUIRE(eventually([&] {
    metrics = request(port, "GET", "/api/metrics").json();
    return metrics.at("post_skipped_reason_counts").as_object().contains("shadow_mode") &&
           metrics.at("learnRuns").as_int64() >= 1;
  }, 20s));
  CHECK(metrics.at("post_skipped_reason_counts") == boost::json::object{{"shadow_mode", 2}});  // once per decision
  CHECK(metrics.at("postsAttempted") == 4);
  CHECK(metrics.at("postsPosted") == 2);
  CHECK(metrics.at("outcomesWritten") == 2);  // real ones only
  CHECK(metrics.at("banditArmsUpdated") == 1);
  CHECK(metrics.at("predictorVersion") == 3);
  const auto text = request(port, "GET", "/metrics").body;
  for (const char* line : {"troupe_posts_attempted_total 4\n", "troupe_posts_posted_total 2\n",
                           "troupe_outcomes_written_total 2\n", "troupe_bandit_arms_updated_total 1\n",
                           "troupe_predictor_version 3\n", "troupe_post_skipped_total{reason=\"shadow_mode\"} 2\n",
                           "troupe_learn_runs_total "}) {
    INFO(line);
    CHECK(contains(text, line));
  }
  CHECK(prometheus_parse_problem(dir, text) == "");
}

TEST_CASE("the metrics count LLM calls, failures by reason, the queued decisions, today's cost and the budget left") {
  temp_dir dir;
  // The jobs stay off: the figures are the test's rows only.
  running_daemon daemon(
      dir,
      dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token) +
                                   "flags: {dailyOpenaiLimitUsd: 2.0}\n"
                                   "jobs: {plan: {enabled: false}, reply: {enabled: false}}\n"));
  const int port = daemon.port();
  auto before = request(port, "GET", "/api/metrics").json();
  CHECK(before.at("openaiCalls_total") == 0);
  CHECK(before.at("openaiCalls_failed") == 0);
  CHECK(before.at("openaiFailureReasons") == boost::json::object{});
  CHECK(before.at("queueSize") == 0);
  CHECK(before.at("openaiCostTodayUsd") == 0.0);
  CHECK(before.at("openaiBudgetLeftUsd") == 2.0);

  auto db = troupe::store::database::open("sqlite:" + dir.file("troupe.db"));
  REQUIRE(db.ok());
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  auto record = [&](troupe::store::api_call_status status, double cost_usd, std::optional<std::string> reason,
                    std::int64_t at_ms) {
    troupe::store::api_usage_row usage;
    usage.model = "gpt-4o-mini";
    usage.status = status;
    usage.cost_usd = cost_usd;
    usage.failure_reason = std::move(reason);
    usage.at_ms = at_ms;
    REQUIRE(troupe::store::record_api_usage(*db, usage).ok());
  };
  using troupe::store::api_call_status;
  for (int i = 0; i < 3; ++i) record(api_call_status::ok, 0.25, std::nullopt, now_ms);
  record(api_call_status::ok, 5.0, std::nullopt, now_ms - 2 * troupe::store::utc_day_ms);  // not today's
  record(api_call_status::failed, 0, "timeout", now_ms);
  record(api_call_status::failed, 0, "timeout", now_ms);
  record(api_call_status::failed, 0, "http_500", now_ms);
  record(api_call_status::refused, 0, "circuit_open", now_ms);
  using troupe::store::decision_status;
  const decision_status statuses[] = {decision_status::queued, decision_status::queued, decision_status::queued,
                                      decision_status::awaiting_approval, decision_status::skipped};
  for (std::size_t i = 0; i < std::size(statuses); ++i) {
    troupe::store::content_decision decision;
    decision.decision_id = "d-" + std::to_string(i);
    decision.account_id = "a1";
    decision.status = statuses[i];
    if (statuses[i] == decision_status::skipped) decision.skip_reason = "quality";
    REQUIRE(troupe::store::insert_decision(*db, decision, now_ms).ok());
  }

  auto metrics = request(port, "GET", "/api/metrics").json();
  CHECK(metrics.at("openaiCalls_total") == 8);
  CHECK(metrics.at("openaiCalls_failed") == 4);
  CHECK(metrics.at("openaiFailureReasons") == boost::json::parse(R"({"circuit_open":1,"http_500":1,"timeout":2})"));
  CHECK(metrics.at("queueSize") == 3);
  CHECK(metrics.at("openaiCostTodayUsd") == 0.75);
  CHECK(metrics.at("openaiBudgetLeftUsd") == 1.25);
  const auto text = request(port, "GET", "/metrics").body;
  for (const char* line : {"# TYPE troupe_openai_calls_total counter\ntroupe_openai_calls_total 8\n",
                           "# TYPE troupe_openai_calls_failed_total counter\ntroupe_openai_calls_failed_total 4\n",
                           "troupe_openai_failures_total{reason=\"timeout\"} 2\n",
                           "troupe_openai_failures_total{reason=\"circuit_open\"} 1\n",
                           "# TYPE troupe_content_queue_size gauge\ntroupe_content_queue_size 3\n",
                           "# TYPE troupe_openai_cost_today_usd gauge\ntroupe_openai_cost_today_usd 0.75\n",
                           "# TYPE troupe_openai_budget_left_usd gauge\ntroupe_openai_budget_left_usd 1.25\n"}) {
    INFO(line);
    CHECK(contains(text, line));
  }
  CHECK(prometheus_parse_problem(dir, text) == "");

  record(api_call_status::ok, 1.5, std::nullopt, now_ms);  // today's cost passes the limit
  CHECK(request(port, "GET", "/api/metrics").json().at("openaiBudgetLeftUsd") == 0.0);
  CHECK(contains(request(port, "GET", "/metrics").body, "\ntroupe_openai_budget_left_usd 0\n"));
}

TEST_CASE("admin endpoints need the token: 401 without, 403 wrong, refused when none is configured") {
  temp_dir dir;
  running_daemon daemon(dir, dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token)));
  const int port = daemon.port();
  auto missing = request(port, "POST", "/admin/pause");
  CHECK(missing.status == 401);
  CHECK(missing.header("WWW-Authenticate") == "Bearer");
  CHECK(missing.json().at("error").at("status") == 401);
  CHECK(request(port, "POST", "/admin/pause", "wrong-token").status == 403);
  CHECK(request(port, "POST", "/admin/reload", "wrong-token").status == 403);

  auto paused = request(port, "POST", "/admin/pause", test_admin_token);
  CHECK(paused.status == 200);
  CHECK(paused.json().at("paused") == true);
  CHECK(eventually([&] {
    return request(port, "GET", "/api/actors/supervisor").json().at("state").at("paused") == "true";
  }, 5s));
  CHECK(request(port, "POST", "/admin/resume", test_admin_token).json().at("paused") == false);
  // The pod spawns its accounts once it has read their state: a1 runs from then on.
  REQUIRE(eventually([&] { return request(port, "GET", "/api/actors/account:a1").status == 200; }, 10s));
  CHECK(request(port, "POST", "/admin/accounts/a1/clear-recovery", test_admin_token).status == 200);
  CHECK(request(port, "POST", "/admin/accounts/nobody/clear-recovery", test_admin_token).status ==
        404);

  temp_dir other;
  running_daemon open_daemon(other, other.write("troupe.yaml", daemon_config(other, 1, "")));
  auto refused = request(open_daemon.port(), "POST", "/admin/pause", "anything");
  CHECK(refused.status == 403);
  CHECK(contains(refused.json().at("error").at("message").as_string().c_str(), "no admin token configured"));
}

TEST_CASE("malformed requests get JSON errors and never stop the daemon") {
  temp_dir dir;
  running_daemon daemon(dir, dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token)));
  const int port = daemon.port();
  CHECK(send_raw(port, "NOT HTTP AT ALL\r\n\r\n").status == 400);
  CHECK(send_raw(port, "GET /api/health HTTP/1.1\r\nX-Big: " + std::string(20000, 'x') + "\r\n\r\n").status == 431);
  auto wrong_method = request(port, "DELETE", "/api/health");
  CHECK(wrong_method.status == 405);
  CHECK(contains(wrong_method.header("Allow"), "GET"));
  auto unknown = request(port, "GET", "/api/nothing-here");
  CHECK(unknown.status == 404);
  CHECK(unknown.json().at("error").at("status") == 404);
  CHECK(
      request(port, "POST", "/admin/reload", test_admin_token, std::string(2 << 20, '{')).status ==
      413);
  CHECK(request(port, "GET", "/api/events?limit=ten").status == 400);
  CHECK(request(port, "GET", "/api/health").status == 200);
}

TEST_CASE("a reload raises concurrency live without interrupting a session, a bad reload changes nothing") {
  temp_dir dir;
  const auto config = dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token));
  running_daemon daemon(dir, config);
  const int port = daemon.port();
  REQUIRE(eventually([&] { return permits_in_use(port) == 1; }, 30s));
  // The session running while the reload comes: it must end by its driver's exit.
  std::set<std::string> running;
  REQUIRE(eventually([&] { return !(running = unfinished_sessions(port)).empty(); }, 10s));

  std::ofstream(config) << daemon_config(dir, 3, test_admin_token);
  auto reloaded = request(port, "POST", "/admin/reload", test_admin_token);
  REQUIRE(reloaded.status == 200);
  CHECK(reloaded.json().at("config_version") == 2);
  CHECK(request(port, "GET", "/api/version").json().at("config_version") == 2);
  CHECK(eventually([&] { return permits_in_use(port) > 1; }, 30s));
  CHECK(request(port, "GET", "/api/metrics").json().at("permits").at("capacity") == 3);

  // Nothing was cut: the sessions running at the reload end, and end well.
  REQUIRE(eventually([&] { return outcomes_of(port, running).size() == running.size(); }, 60s));
  for (const auto& [id, outcome] : outcomes_of(port, running)) {
    INFO("session " << id);
    CHECK(outcome == "success");
  }

  std::ofstream(config) << "concurrency: -1\n";
  auto bad = request(port, "POST", "/admin/reload", test_admin_token);
  CHECK(bad.status == 422);
  CHECK(bad.json().at("config_version") == 2);
  REQUIRE_FALSE(bad.json().at("errors").as_array().empty());
  CHECK(contains(std::string(bad.json().at("errors").at(0).as_string()), config + ":1:14: concurrency"));
  CHECK(request(port, "GET", "/api/config").json().at("config").at("concurrency") == 3);
  auto ready = request(port, "GET", "/api/ready");
  CHECK(ready.status == 200);
  CHECK(ready.json().at("last_reload").at("ok") == false);
  CHECK(contains(request(port, "GET", "/metrics").body, "troupe_config_last_reload_successful 0"));

  // A file caught half written, here empty, is refused too: taken as all
  // defaults it would retire every pod and drop the admin token.
  std::ofstream{config};
  auto empty = request(port, "POST", "/admin/reload", test_admin_token);
  CHECK(empty.status == 422);
  CHECK(contains(std::string(empty.json().at("errors").at(0).as_string()), "holds no settings"));
  CHECK(request(port, "GET", "/api/config").json().at("config").at("concurrency") == 3);
  CHECK(request(port, "GET", "/api/pods").json().at("pods").as_array().size() == 2);
}

TEST_CASE("a reload with a password in a bad db.url shows the password in no answer and no log") {
  temp_dir dir;
  const auto good = daemon_config(dir, 1, test_admin_token);
  const auto config = dir.write("troupe.yaml", good);
  running_daemon daemon(dir, config);
  const int port = daemon.port();
  const std::string password = "Pa55-w0rd-e2e";
  const auto db_line = good.find("db: {url:");
  const auto bad = good.substr(0, db_line) + "db: {url: \"mysql://bob:" + password +
                   "@db.internal/x\"}" + good.substr(good.find('\n', db_line));
  std::ofstream(config) << bad;

  auto reloaded = request(port, "POST", "/admin/reload", test_admin_token);
  CHECK(reloaded.status == 422);
  CHECK(contains(reloaded.body, "mysql://bob:<redacted>@db.internal/x"));
  std::vector<std::string> shown{reloaded.body};
  for (const char* read : {"/api/ready", "/api/config", "/env"})
    shown.push_back(request(port, "GET", read).body);
  for (const auto& body : shown) CHECK_FALSE(contains(body, password));
  // The log is flushed every second.
  CHECK(eventually(
      [&] { return contains(read_file(dir.file("troupe.log")), "keeping config version"); }, 5s));
  CHECK_FALSE(contains(read_file(dir.file("troupe.log")), password));
  CHECK_FALSE(contains(daemon.process().output(), password));
}

TEST_CASE("SIGHUP and a change of the config file reload it") {
  temp_dir dir;
  const auto config = dir.write("troupe.yaml", daemon_config(dir, 1, test_admin_token));
  running_daemon daemon(dir, config);
  const int port = daemon.port();
  auto version = [&] { return request(port, "GET", "/api/version").json().at("config_version").as_int64(); };
  auto last_trigger = [&] {
    auto reload = request(port, "GET", "/api/config").json().at("last_reload");
    return reload.is_null() ? std::string() : std::string(reload.at("trigger").as_string());
  };
  CHECK(version() == 1);

  // SIGHUP reloads; the file did not change, so the version stays.
  daemon.process().signal(SIGHUP);
  CHECK(eventually([&] { return last_trigger() == "sighup"; }, 10s));
  CHECK(request(port, "GET", "/api/config").json().at("last_reload").at("changed") == false);
  CHECK(version() == 1);

  // An editor's way: write a new file and rename it over the old one.
  std::ofstream(dir.file("troupe.yaml.new"))
      << daemon_config(dir, 2, test_admin_token) << "aol: {tickMs: 500}\n";
  std::filesystem::rename(dir.file("troupe.yaml.new"), config);
  CHECK(eventually([&] { return version() == 2; }, 10s));
  CHECK(last_trigger() == "inotify");
  CHECK(request(port, "GET", "/api/config").json().at("config").at("concurrency") == 2);
  // The loop keeps the aol settings it started with, and the log says so.
  CHECK(eventually([&] { return contains(daemon.process().output(), "the aol settings change at the next start"); }, 5s));
}

TEST_CASE("a RUN_SESSION action runs one session of its account through the tree") {
  temp_dir dir;
  // The planner never picks stories here: a stories session can only be the requested one.
  running_daemon daemon(
      dir, dir.write("troupe.yaml",
                     daemon_config(dir, 1, test_admin_token) +
                         "weights: {base: {follow: 1, unfollow: 0, reels: 1, stories: 0}}\n"
                         "aol: {proof: false}\n"));
  const int port = daemon.port();
  auto created =
      request(port, "POST", "/api/actions", test_admin_token,
              R"({"type": "RUN_SESSION", "payload": {"account": "b2", "activity": "stories"},)"
              R"( "idempotency_key": "operator-b2-stories"})");
  REQUIRE(created.status == 201);
  const auto id = created.json().at("id").as_int64();
  auto status = [&] {
    return std::string(request(port, "GET", "/api/actions/" + std::to_string(id)).json().at("status").as_string());
  };
  CHECK(eventually([&] { return status() == "SUCCEEDED"; }, 60s));
  CHECK(eventually([&] {  // the store writes events behind, within a fraction of a second
    auto finished = request(port, "GET", "/api/events?kind=finish&account=b2&limit=10000").json().at("events").as_array();
    return std::any_of(finished.begin(), finished.end(), [](const auto& e) { return e.at("activity") == "stories"; });
  }, 5s));
}

TEST_CASE("a RUN_SESSION asked for during Sleep is refused within a second and held while other actions run") {
  temp_dir dir;
  auto yaml = daemon_config(dir, 1, test_admin_token);
  for (const char* mood : {"{name: Day, ", "{name: Night, "}) {
    const auto at = yaml.find(mood);
    REQUIRE(at != std::string::npos);
    yaml.insert(at + 1, "sleep: true, ");  // asleep all day
  }
  yaml += "flags: {mode: live, postingDisabled: false, livePosts: true}\n"
          "aol: {proof: false, tickMs: 200}\n";
  running_daemon daemon(dir, dir.write("troupe.yaml", yaml));
  const int port = daemon.port();
  auto asked =
      request(port, "POST", "/api/actions", test_admin_token,
              R"({"type": "RUN_SESSION", "payload": {"account": "a1", "activity": "follow"},)"
              R"( "idempotency_key": "asleep-a1"})");
  REQUIRE(asked.status == 201);
  auto posted = request(port, "POST", "/api/actions", test_admin_token,
                        R"({"type": "POST_SOCIAL", "payload": {"account": "a2", "text": "hi"},)"
                        R"( "idempotency_key": "meanwhile"})");
  REQUIRE(posted.status == 201);
  auto action = [&](const http_reply& created) {
    return request(port, "GET", "/api/actions/" + std::to_string(created.json().at("id").as_int64())).json();
  };
  CHECK(eventually([&] { return action(asked).at("held_reason") == "sleep_window"; }, 10s));
  CHECK(eventually([&] { return action(posted).at("status") == "SUCCEEDED"; }, 10s));
  const auto held = action(asked);
  CHECK(held.at("status") == "PENDING");
  CHECK(held.at("attempts") == 0);  // a refusal uses no attempt up

  // The attempt that asked ended within a second of its start.
  auto db = troupe::store::database::open("sqlite:" + dir.file("troupe.db"));
  REQUIRE(db.ok());
  auto logged = troupe::store::attempts_of(*db, held.at("id").as_int64());
  REQUIRE(logged.ok());
  REQUIRE_FALSE(logged->empty());
  const auto& first = logged->front();
  REQUIRE(first.ended_at_ms);
  CHECK(*first.ended_at_ms - first.started_at_ms < 1000);
}

TEST_CASE("the LLM's availability and why not show in /env and /api/ready, which stays ready") {
  temp_dir dir;
  const std::string key = "sk-test-0123456789abcdef";
  ::setenv("TROUPE_TEST_LLM_KEY", key.c_str(), 1);  // the daemon inherits it
  ::unsetenv("TROUPE_TEST_NO_LLM_KEY");
  const auto base = daemon_config(dir, 1, test_admin_token) + "flags: {dailyOpenaiLimitUsd: 1.5}\n";

  SECTION("without a key") {
    running_daemon daemon(dir, dir.write("troupe.yaml", base + "llm: {apiKeyEnv: TROUPE_TEST_NO_LLM_KEY}\n"));
    const auto env = request(daemon.port(), "GET", "/env").json();
    CHECK(env.at("llmAllowed") == boost::json::parse(R"({"allowed":false,"reason":"no_api_key"})"));
    const auto ready = request(daemon.port(), "GET", "/api/ready");
    CHECK(ready.status == 200);
    CHECK(ready.json().at("ready") == true);
    CHECK(ready.json().at("llm") == boost::json::parse(R"({"available":false,"reason":"no_api_key"})"));
  }
  SECTION("with a key, until today's spending reaches the budget") {
    running_daemon daemon(dir, dir.write("troupe.yaml", base + "llm: {apiKeyEnv: TROUPE_TEST_LLM_KEY}\n"));
    const int port = daemon.port();
    auto env = request(port, "GET", "/env");
    CHECK(env.json().at("llmAllowed") == boost::json::parse(R"({"allowed":true,"reason":""})"));
    CHECK(env.json().at("llmBudgetUsd") == 1.5);
    CHECK_FALSE(contains(env.body, key));

    auto db = troupe::store::database::open("sqlite:" + dir.file("troupe.db"));
    REQUIRE(db.ok());
    troupe::store::api_usage_row usage;
    usage.model = "gpt-4o-mini";
    usage.cost_usd = 1.6;
    usage.at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    REQUIRE(troupe::store::record_api_usage(*db, usage).ok());

    env = request(port, "GET", "/env");
    CHECK(env.json().at("llmAllowed") == boost::json::parse(R"({"allowed":false,"reason":"budget_spent"})"));
    CHECK(env.json().at("llmSpentTodayUsd") == 1.6);
    const auto ready = request(port, "GET", "/api/ready");
    CHECK(ready.status == 200);
    CHECK(ready.json().at("llm").at("reason") == "budget_spent");
    for (const char* read : {"/env", "/api/ready", "/api/config"}) CHECK_FALSE(contains(request(port, "GET", read).body, key));
  }
}
