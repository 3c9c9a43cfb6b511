// The real `troupe daemon` as a child process: its tick lines, the crash
// test (1,000 posts while the daemon is SIGKILLed and restarted 20 times:
// every key reaches the simulated platform exactly once and every action
// succeeds) and two daemons on one database (one ticks; the other takes
// over within the lease TTL once the first is SIGKILLed). SQLite and
// PostgreSQL.
#include <boost/json.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <chrono>
#include <iostream>
#include <random>
#include <map>
#include <set>
#include <thread>

#include "runtime/aol/tick_policy.hpp"
#include "runtime/store/aol_claims.hpp"
#include "runtime/store/aol_control_flags.hpp"
#include "runtime/store/aol_lease.hpp"
#include "runtime/store/aol_tick_ledger.hpp"
#include "tests/aol_loop/loop_fixtures.hpp"
#include "tests/support/command.hpp"

using namespace troupe::aol::testing;
using namespace troupe::store;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;
using troupe::testing::child;

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// Switches that let posts through: live mode, posting enabled, and a new
// queue out of PROOF.
const std::string posting_allowed_sections =
    "flags: {mode: live, postingDisabled: false, livePosts: true}\n";
const std::string proof_off = "  proof: false\n";

// Every post the driver was asked for, repeats included (the ledger holds each key once).
std::string post_log_path(const temporary_directory& dir) { return (dir.path() / "post-log.txt").string(); }

// A daemon config for the tests: the simulated driver with `verb_ms` verbs,
// posting to the ledger in `dir`, console logging only; `switches` is
// prepended (the default lets posts through).
std::string write_daemon_config(const temporary_directory& dir, int verb_ms,
                                const std::string& aol_section,
                                const std::string& switches = posting_allowed_sections) {
  const auto path = dir.path() / "daemon.yaml";
  std::ofstream(path) << switches << "log: {file: \"\", level: info}\n"
                      << "drivers:\n"
                      << "  command: \"" << SIM_DRIVER_BINARY << "\"\n"
                      << "  logDir: \"\"\n"
                      << "  killGraceMs: 500\n"
                      << "  env:\n"
                      << "    SIM_DRIVER_LEDGER: \"" << ledger_path(dir.path()) << "\"\n"
                      << "    SIM_DRIVER_POST_LOG: \"" << post_log_path(dir) << "\"\n"
                      << "    SIM_DRIVER_VERB_MS: \"" << verb_ms << "\"\n"
                      << "    SIM_DRIVER_PROGRESS: \"1\"\n"
                      << "aol:\n"
                      << "  dataDir: \"" << (dir.path() / "aol-data").string() << "\"\n"
                      << aol_section;
  return path.string();
}

std::vector<std::string> daemon_argv(const std::string& config, const std::string& url,
                                     std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{TROUPE_BINARY, "daemon", "--config", config, "--db", url};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

// The lines of `output` that start with "[AOL Tick".
std::vector<std::string> tick_lines(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("[AOL Tick", 0) == 0) lines.push_back(line);
  }
  return lines;
}

std::int64_t count_in(database& db, action_status status) {
  auto counts = count_actions_by_status(db);
  REQUIRE_OK(counts);
  return counts->at(status);
}

std::vector<tick_record> ticks_of(database& db) {
  auto ticks = recent_ticks(db, 10'000);
  REQUIRE_OK(ticks);
  return *ticks;
}

// The pid in an owner "HOST:PID:RANDOM".
std::string pid_of_owner(const std::string& owner) {
  const auto first = owner.find(':');
  return owner.substr(first + 1, owner.find(':', first + 1) - first - 1);
}

// A tick line taken apart; nullopt unless it is exactly
// "[AOL Tick I] STATUS | Actions: A attempted, S succeeded | Duration: D.DDs".
// (<regex> is avoided: GCC 12 warns falsely inside it under the sanitizers.)
struct tick_line_parts {
  long index = 0;
  std::string status;
  int attempted = 0;
  int succeeded = 0;
};

std::optional<tick_line_parts> parse_tick_line(const std::string& line) {
  tick_line_parts parts;
  char status[16] = {}, duration[32] = {}, unit[8] = {};
  if (std::sscanf(line.c_str(),
                  "[AOL Tick %ld] %15s | Actions: %d attempted, %d succeeded | Duration: %31[0-9.]%7s",
                  &parts.index, status, &parts.attempted, &parts.succeeded, duration, unit) != 6) {
    return std::nullopt;
  }
  parts.status = status;
  const std::string seconds = duration;
  const auto point = seconds.find('.');
  if (point == 0 || point == std::string::npos || seconds.size() - point != 3) return std::nullopt;
  const auto rebuilt =
      fmt::format("[AOL Tick {}] {} | Actions: {} attempted, {} succeeded | Duration: {}{}",
                  parts.index, parts.status, parts.attempted, parts.succeeded, seconds, unit);
  if (rebuilt != line || std::string(unit) != "s") return std::nullopt;
  return parts;
}

double seconds_since(steady::time_point start) {
  return std::chrono::duration<double>(steady::now() - start).count();
}

}  // namespace

TEST_CASE("troupe daemon --proof --ticks 2 prints two tick lines and changes nothing outside") {
  const backend kind = GENERATE(from_range(test_backends()));
  temporary_directory dir;
  migrated_database store(kind);
  const auto queued = enqueue(
      store.db(), action_request("POST_SOCIAL", R"({"account":"acct-1","text":"hi"})", "post-1"),
      0);
  const auto config = write_daemon_config(dir, 1, "  tickMs: 100\n");
  troupe::testing::temp_dir outputs;
  const auto ran = troupe::testing::run_command(
      daemon_argv(config, store.url(), {"--proof", "--ticks", "2"}), outputs, 30s);
  INFO(ran.output);
  CHECK(ran.exit_code == 0);
  const auto lines = tick_lines(ran.output);
  REQUIRE(lines.size() == 2);
  const auto first = parse_tick_line(lines[0]);
  REQUIRE(first);
  CHECK(first->index == 1);
  CHECK(first->status == "SUCCESS");
  CHECK(first->attempted == 1);
  CHECK(first->succeeded == 0);  // a rehearsal is no success
  const auto second = parse_tick_line(lines[1]);
  REQUIRE(second);
  CHECK(second->index == 2);
  CHECK(second->status == "SUCCESS");
  CHECK(second->attempted == 0);
  // The parser is strict: near misses of the format are not tick lines.
  CHECK_FALSE(parse_tick_line("[AOL Tick 1] SUCCESS | Actions: 1 attempted, 1 succeeded | Duration: 0.1s"));
  CHECK_FALSE(parse_tick_line("[AOL Tick 1] SUCCESS | Actions: 1 attempted, 1 succeeded | Duration: 0.10 s"));
  CHECK_FALSE(parse_tick_line("[AOL Tick 1] SUCCESS | Actions: 1 attempted,  1 succeeded | Duration: 0.10s"));
  CHECK(reload(store.db(), queued.id).status == action_status::proofed);
  CHECK_FALSE(std::filesystem::exists(ledger_path(dir.path())));
  CHECK(std::filesystem::exists(dir.path() / "aol-data" / "proof" /
                                (std::to_string(queued.id) + "-1.json")));
}

TEST_CASE("troupe daemon on the default switches holds posts, runs no driver and says why once") {
  const backend kind = GENERATE(from_range(test_backends()));
  temporary_directory dir;
  migrated_database store(kind);
  const auto post = enqueue(
      store.db(), action_request("POST_SOCIAL", R"({"account":"acct-1","text":"hi"})", "post-1"), 0);
  const auto session = enqueue(
      store.db(), action_request("RUN_SESSION", R"({"account":"acct-1","activity":"follow"})", "s-1"), 0);
  // No flags section: shadow mode, posting disabled, live posts off. PROOF off.
  const auto config = write_daemon_config(dir, 1, "  tickMs: 50\n  heldRecheckMs: 60\n" + proof_off, "");
  troupe::testing::temp_dir outputs;
  const auto ran = troupe::testing::run_command(daemon_argv(config, store.url(), {"--ticks", "8"}), outputs, 30s);
  INFO(ran.output);
  CHECK(ran.exit_code == 0);
  CHECK(ran.output.find("safety: posting=blocked(shadow_mode)") != std::string::npos);
  const auto held = reload(store.db(), post.id);
  CHECK(held.status == action_status::pending);
  CHECK(held.held_reason == std::optional<std::string>("shadow_mode"));
  CHECK(held.attempts == 0);
  const auto waiting = reload(store.db(), session.id);
  CHECK(waiting.status == action_status::pending);
  CHECK(waiting.held_reason == std::optional<std::string>("no_runner"));
  CHECK_FALSE(std::filesystem::exists(ledger_path(dir.path())));
  const auto said = "skipped posting action=" + std::to_string(post.id) + " reason=shadow_mode";
  const auto first_said = ran.output.find(said);
  CHECK(first_said != std::string::npos);
  CHECK(ran.output.find(said, first_said + 1) == std::string::npos);  // rechecked, said once
}

TEST_CASE("a new database starts in PROOF mode: the first post is rehearsed, not sent") {
  temporary_directory dir;
  migrated_database store(backend::sqlite);
  const auto post = enqueue(
      store.db(), action_request("POST_SOCIAL", R"({"account":"acct-1","text":"hi"})", "post-1"), 0);
  const auto config = write_daemon_config(dir, 1, "  tickMs: 50\n");  // aol.proof left at its default
  troupe::testing::temp_dir outputs;
  const auto ran = troupe::testing::run_command(daemon_argv(config, store.url(), {"--ticks", "2"}), outputs, 30s);
  INFO(ran.output);
  CHECK(ran.exit_code == 0);
  CHECK(reload(store.db(), post.id).status == action_status::proofed);
  CHECK_FALSE(std::filesystem::exists(ledger_path(dir.path())));
  auto flags = load_control_flags(store.db());
  REQUIRE_OK(flags);
  CHECK(flags->proof);
}

TEST_CASE("troupe daemon runs until SIGINT, exits 0 and gives its lease up, --ticks 0 is refused") {
  temporary_directory dir;
  migrated_database store(backend::sqlite);
  const auto config = write_daemon_config(dir, 1, "  tickMs: 50\n");
  child daemon(daemon_argv(config, store.url()), (dir.path() / "daemon.log").string());
  REQUIRE(daemon.wait_for_output("[AOL Tick 3]", 15s));
  daemon.signal(SIGINT);
  CHECK(daemon.wait(10s) == 0);
  INFO(daemon.output());
  CHECK(daemon.output().find("received Interrupt; stopping") != std::string::npos);
  auto lease = load_lease(store.db(), troupe::aol::loop_lease_name);
  REQUIRE_OK(lease);
  CHECK((*lease)->expires_at_ms == released_lease_expiry);

  troupe::testing::temp_dir outputs;
  const auto refused = troupe::testing::run_command(
      daemon_argv(config, store.url(), {"--ticks", "0"}), outputs, 30s);
  CHECK(refused.exit_code == 2);
  CHECK(refused.output.find("--ticks must be at least 1") != std::string::npos);
}

TEST_CASE("crash test: 1,000 posts survive 20 SIGKILLs of the daemon, each posted exactly once") {
  const backend kind = GENERATE(from_range(test_backends()));
  constexpr int action_count = 1000;
  constexpr int kills = 20;
  constexpr int max_batch = 32;
  temporary_directory dir;
  migrated_database store(kind);
  for (int i = 0; i < action_count; ++i) {
    const auto payload = boost::json::serialize(boost::json::object{
        {"account", "acct-" + std::to_string(i % 10)}, {"text", "post number " + std::to_string(i)}});
    enqueue(store.db(), action_request("POST_SOCIAL", payload, "crash-" + std::to_string(i), 50), 0);
  }
  const auto config = write_daemon_config(
      dir, 15, "  tickMs: 50\n  leaseTtlMs: 600\n  actionLeaseMs: 600\n  maxBatch: " + std::to_string(max_batch) + "\n" +
          proof_off);
  const auto argv = daemon_argv(config, store.url());
  std::mt19937 random(20240611);
  std::uniform_int_distribution<int> uptime_ms(300, 1500);
  const auto started = steady::now();
  for (int k = 1; k <= kills; ++k) {
    child daemon(argv, (dir.path() / ("daemon-" + std::to_string(k) + ".log")).string());
    // Killed after its random uptime from its first tick (a slow start, as
    // under ASan on PostgreSQL, must not eat the uptime), or sooner once it
    // has done its share, so that however fast the machine, work is left for
    // the last restart.
    const auto share = static_cast<std::int64_t>(action_count) * k / (kills + 1);
    REQUIRE(daemon.wait_for_output("[AOL Tick", 30s));
    const auto killed_at = steady::now() + std::chrono::milliseconds(uptime_ms(random));
    while (steady::now() < killed_at && count_in(store.db(), action_status::succeeded) < share) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    daemon.signal(SIGKILL);
    REQUIRE(daemon.wait(5s) == 128 + SIGKILL);
  }
  const auto done_while_killing = count_in(store.db(), action_status::succeeded);
  INFO("succeeded before the last restart: " << done_while_killing);
  CHECK(done_while_killing > 0);             // the daemons worked between the kills
  CHECK(done_while_killing < action_count);  // and were killed while there was work
  {
    child daemon(argv, (dir.path() / "daemon-final.log").string());
    const bool all_done = wait_until(
        [&] { return count_in(store.db(), action_status::succeeded) == action_count; }, 180s);
    INFO(daemon.output().substr(0, 4000));
    REQUIRE(all_done);
    REQUIRE(daemon.wait_for_output("[AOL Tick", 30s));  // up, its signals handled
    daemon.signal(SIGTERM);
    CHECK(daemon.wait(10s) == 0);
  }
  const auto elapsed = seconds_since(started);

  // The platform's guarantee: one effect per key (its ledger drops repeats).
  const auto ledger = lines_of(ledger_path(dir.path()));
  const std::set<std::string> keys(ledger.begin(), ledger.end());
  CHECK(ledger.size() == static_cast<std::size_t>(action_count));
  CHECK(keys.size() == static_cast<std::size_t>(action_count));
  for (int i = 0; i < action_count; ++i) CHECK(keys.count("crash-" + std::to_string(i)) == 1);

  // Troupe's part: what it sent, repeats included. A kill can make the next
  // daemon send again only what the killed one had claimed (at most a batch),
  // and only keys it had already sent at most once more per kill.
  const auto sent = lines_of(post_log_path(dir));
  const auto resent = static_cast<std::int64_t>(sent.size()) - action_count;
  INFO("posts sent " << sent.size() << ", re-sent " << resent);
  CHECK(std::set<std::string>(sent.begin(), sent.end()) == keys);
  CHECK(resent >= 0);
  CHECK(resent <= static_cast<std::int64_t>(kills) * max_batch);
  std::map<std::string, int> sends_per_key;
  for (const auto& key : sent) sends_per_key[key] += 1;
  for (const auto& [key, sends] : sends_per_key) CHECK(sends <= 1 + kills);

  // What the kills cost: attempts beyond one per action, and attempts a
  // daemon did not live through.
  std::int64_t attempts_total = 0, unfinished = 0, fenced = 0;
  std::int64_t after_id = 0;
  for (;;) {
    action_query page;
    page.after_id = after_id;
    page.limit = max_action_page;
    auto listed = list_actions(store.db(), page);
    REQUIRE_OK(listed);
    if (listed->empty()) break;
    for (const auto& done : *listed) {
      CHECK(done.status == action_status::succeeded);
      for (const auto& attempt : attempts(store.db(), done.id)) {
        ++attempts_total;
        if (!attempt.ended_at_ms) ++unfinished;
        if (attempt.outcome == attempt_outcome::fenced) ++fenced;
      }
    }
    after_id = listed->back().id;
  }
  // Every send is an attempt the queue recorded (its row written before the driver ran).
  CHECK(attempts_total >= static_cast<std::int64_t>(sent.size()));
  std::cout << "crash test (" << to_string(kind) << "): " << action_count << " actions, " << kills
            << " SIGKILLs, " << elapsed << " s; ledger " << ledger.size() << " lines, "
            << keys.size() << " distinct keys; " << sent.size() << " posts sent; " << attempts_total << " attempts ("
            << unfinished << " cut short by a kill, " << fenced << " fenced); "
            << done_while_killing << " succeeded before the final restart" << std::endl;
}

TEST_CASE("two daemons on one database: one ticks, the other takes over within the lease TTL") {
  const backend kind = GENERATE(from_range(test_backends()));
  constexpr auto lease_ttl = 2000ms;
  temporary_directory dir;
  migrated_database store(kind);
  const auto config =
      write_daemon_config(dir, 1, "  tickMs: 100\n  leaseTtlMs: 2000\n  actionLeaseMs: 5000\n");
  const auto argv = daemon_argv(config, store.url());
  child first(argv, (dir.path() / "first.log").string());
  REQUIRE(first.wait_for_output("[AOL Tick 2]", 15s));
  child second(argv, (dir.path() / "second.log").string());
  REQUIRE(second.wait_for_output("standby: lease held by", 15s));
  // While the holder ticks 10 more times (most of a TTL), the standby never does.
  const auto ticks_seen = ticks_of(store.db()).size();
  REQUIRE(wait_until([&] { return ticks_of(store.db()).size() >= ticks_seen + 10; }, 15s));
  INFO("first:\n" << first.output() << "\nsecond:\n" << second.output());
  CHECK(tick_lines(second.output()).empty());
  const auto before = ticks_of(store.db());
  REQUIRE_FALSE(before.empty());
  const auto holder = before.front().owner;
  for (const auto& tick : before) CHECK(tick.owner == holder);

  first.signal(SIGKILL);
  REQUIRE(first.wait(5s) == 128 + SIGKILL);
  const auto killed_at = steady::now();
  REQUIRE(second.wait_for_output("[AOL Tick 1]", 10s));
  const auto takeover = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - killed_at);
  std::cout << "two daemons (" << to_string(kind) << "): the standby ticked "
            << takeover.count() << " ms after the holder's SIGKILL (lease TTL "
            << lease_ttl.count() << " ms)" << std::endl;
  CHECK(takeover < lease_ttl + 1000ms);  // the TTL, a tick, and the output's way to the file

  const auto after = ticks_of(store.db());
  const auto& newest = after.front();
  CHECK(newest.owner != holder);
  CHECK(newest.epoch == before.front().epoch + 1);
  CHECK(pid_of_owner(holder) != pid_of_owner(newest.owner));
  second.signal(SIGTERM);
  CHECK(second.wait(10s) == 0);
}
