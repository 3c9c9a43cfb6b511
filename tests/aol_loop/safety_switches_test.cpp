// The posting switches and PROOF against the queue, on virtual time, with
// the real simulated driver: a post reaches the driver only when MODE=live,
// POSTING_DISABLED=false, LIVE_POSTS=true and PROOF is off; otherwise it is
// held (not consumed) or rehearsed (PROOFED), and runs once, later, when
// the operator's switches allow it. Also: one long action never holds the
// others. On SQLite and PostgreSQL.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "runtime/aol/tick.hpp"
#include "runtime/store/aol_control_flags.hpp"
#include "tests/aol_loop/loop_fixtures.hpp"
#include "tests/support/captured_log.hpp"

using namespace troupe::aol;
using namespace troupe::aol::testing;
using namespace troupe::store;
using troupe::config::flags_config;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;
using troupe::testing::captured_log;

namespace {

flags_config switches(const std::string& mode, bool posting_disabled, bool live_posts) {
  flags_config flags;
  flags.mode = mode;
  flags.posting_disabled = posting_disabled;
  flags.live_posts = live_posts;
  return flags;
}

// A scratch database, the fast config and flags the test flips between ticks.
struct switches_fixture {
  explicit switches_fixture(backend kind)
      : store(kind), config(fast_config(dir.path(), store.url())) {}

  database& db() { return store.db(); }
  tick_runner runner(adapter_registry adapters = builtin_adapters(no_session_runner())) {
    auto env = environment_for(config, std::move(adapters), clock);
    env.flags = [this] {
      std::lock_guard<std::mutex> lock(flags_mutex);
      return flags;
    };
    return tick_runner(std::move(env), 1);
  }
  void set_flags(flags_config next) {
    std::lock_guard<std::mutex> lock(flags_mutex);
    flags = std::move(next);
  }
  action post(const std::string& key) {
    return enqueue(db(), action_request("POST_SOCIAL", hello_post, key), clock.now());
  }
  tick_report tick(tick_runner& runner) {
    const auto result = runner.run(db());
    INFO(result.report.error);
    REQUIRE_FALSE(result.standby);
    REQUIRE_FALSE(result.database_failed);
    return result.report;
  }
  // How many times the driver's post verb ran: one session log per run.
  std::size_t driver_runs() const {
    const auto logs = dir.path() / "session-logs";
    if (!std::filesystem::exists(logs)) return 0;
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(logs),
                                                  std::filesystem::directory_iterator()));
  }

  temporary_directory dir;
  migrated_database store;
  troupe::config::troupe_config config;
  virtual_clock clock;
  std::mutex flags_mutex;
  flags_config flags;
};


}  // namespace

TEST_CASE("a post reaches the driver only when all three switches allow it and PROOF is off") {
  const backend kind = GENERATE(from_range(test_backends()));
  const std::string mode = GENERATE(as<std::string>{}, "shadow", "live");
  const bool posting_disabled = GENERATE(false, true);
  const bool live_posts = GENERATE(false, true);
  const bool proof = GENERATE(false, true);
  switches_fixture fx(kind);
  fx.set_flags(switches(mode, posting_disabled, live_posts));
  REQUIRE_OK(set_control_flag(fx.db(), "proof", proof, fx.clock.now()));
  auto runner = fx.runner();
  const auto queued = fx.post("post-1");
  fx.tick(runner);

  const bool allowed = mode == "live" && !posting_disabled && live_posts;
  const auto after = reload(fx.db(), queued.id);
  INFO("mode=" << mode << " posting_disabled=" << posting_disabled << " live_posts=" << live_posts
               << " proof=" << proof);
  CHECK(after.attempts == (allowed && !proof ? 1 : 0));
  CHECK(fx.driver_runs() == (allowed && !proof ? 1u : 0u));
  CHECK(lines_of(ledger_path(fx.dir.path())).size() == (allowed && !proof ? 1u : 0u));
  if (proof) {
    CHECK(after.status == action_status::proofed);
  } else if (allowed) {
    CHECK(after.status == action_status::succeeded);
  } else {
    CHECK(after.status == action_status::pending);
    const char* reason = mode != "live" ? "shadow_mode" : posting_disabled ? "posting_disabled" : "live_posts_off";
    CHECK(after.held_reason == std::optional<std::string>(reason));
  }
}

TEST_CASE("held posts run once each at the next tick after the switches allow them") {
  const backend kind = GENERATE(from_range(test_backends()));
  switches_fixture fx(kind);
  fx.set_flags(switches("live", true, true));
  auto runner = fx.runner();
  const auto first = fx.post("post-1");
  const auto second = fx.post("post-2");
  fx.tick(runner);
  fx.clock.advance(fx.config.aol.held_recheck_ms);  // looked at again: still held
  fx.tick(runner);
  CHECK(fx.driver_runs() == 0);
  CHECK(reload(fx.db(), first.id).held_reason == std::optional<std::string>("posting_disabled"));

  fx.set_flags(switches("live", false, true));  // the operator allows posting
  fx.tick(runner);                              // no waiting for the recheck delay
  CHECK(reload(fx.db(), first.id).status == action_status::succeeded);
  CHECK(reload(fx.db(), second.id).status == action_status::succeeded);
  CHECK_FALSE(reload(fx.db(), first.id).held_reason);
  for (int i = 0; i < 3; ++i) {
    fx.clock.advance(fx.config.aol.held_recheck_ms);
    fx.tick(runner);
  }
  CHECK(fx.driver_runs() == 2);
  auto posted = lines_of(ledger_path(fx.dir.path()));
  std::sort(posted.begin(), posted.end());  // they ran side by side
  CHECK(posted == std::vector<std::string>{"post-1", "post-2"});
}

TEST_CASE("a held post is logged once per action and reason, not on every recheck") {
  const backend kind = GENERATE(from_range(test_backends()));
  switches_fixture fx(kind);
  captured_log log;
  fx.set_flags(switches("live", true, false));
  auto runner = fx.runner();
  const auto queued = fx.post("post-1");
  for (int i = 0; i < 3; ++i) {
    fx.tick(runner);
    fx.clock.advance(fx.config.aol.held_recheck_ms);
  }
  const auto disabled = "skipped posting action=" + std::to_string(queued.id) + " reason=posting_disabled";
  CHECK(log.count(disabled) == 1);
  fx.set_flags(switches("live", false, false));
  for (int i = 0; i < 3; ++i) {
    fx.tick(runner);
    fx.clock.advance(fx.config.aol.held_recheck_ms);
  }
  CHECK(log.count("skipped posting action=" + std::to_string(queued.id) + " reason=live_posts_off") == 1);
  CHECK(log.count(disabled) == 1);
  CHECK(fx.driver_runs() == 0);
}

TEST_CASE("a PROOF rehearsal released by the operator posts exactly once under the same key") {
  const backend kind = GENERATE(from_range(test_backends()));
  switches_fixture fx(kind);
  fx.set_flags(switches("live", false, true));
  REQUIRE_OK(set_control_flag(fx.db(), "proof", true, fx.clock.now()));
  auto runner = fx.runner();
  const auto queued = fx.post("post-1");
  fx.tick(runner);
  const auto rehearsed = reload(fx.db(), queued.id);
  REQUIRE(rehearsed.status == action_status::proofed);
  REQUIRE(rehearsed.proof_artifact);
  CHECK(std::filesystem::exists(*rehearsed.proof_artifact));

  REQUIRE_OK(set_control_flag(fx.db(), "proof", false, fx.clock.now()));
  fx.clock.advance(fx.config.aol.held_recheck_ms);
  fx.tick(runner);
  CHECK(fx.driver_runs() == 0);  // PROOFED waits for the operator, PROOF off or not

  auto released = release_proofed_action(fx.db(), queued.id, fx.clock.now());
  REQUIRE_OK(released);
  REQUIRE(*released);
  for (int i = 0; i < 3; ++i) {
    fx.tick(runner);
    fx.clock.advance(fx.config.aol.held_recheck_ms);
  }
  CHECK(reload(fx.db(), queued.id).status == action_status::succeeded);
  CHECK(fx.driver_runs() == 1);
  CHECK(lines_of(ledger_path(fx.dir.path())) == std::vector<std::string>{"post-1"});
}

TEST_CASE("one long action does not hold the others: ticks go on claiming while it runs") {
  const backend kind = GENERATE(from_range(test_backends()));
  switches_fixture fx(kind);
  fx.config.aol.max_parallel = 2;
  fx.config.aol.action_lease_ms = 6000;  // a tick waits at most 2 s for its attempts
  std::mutex mutex;
  std::condition_variable changed;
  bool release_long = false;
  bool long_started = false;
  auto adapters = builtin_adapters(no_session_runner());
  adapters.add("LONG", [&](const action&, const adapter_context& context) {
    std::unique_lock<std::mutex> lock(mutex);
    long_started = true;
    changed.notify_all();
    changed.wait_for(lock, std::chrono::seconds(20), [&] { return release_long || context.cancel->cancelled(); });
    return release_long ? adapter_outcome::success() : adapter_outcome::retryable("cancelled");
  });
  adapters.add("QUICK", [](const action&, const adapter_context&) { return adapter_outcome::success(); });
  auto runner = fx.runner(std::move(adapters));
  auto long_one = enqueue(fx.db(), action_request("LONG", "{}", "long"), fx.clock.now());
  fx.tick(runner);
  {
    std::unique_lock<std::mutex> lock(mutex);
    REQUIRE(changed.wait_for(lock, std::chrono::seconds(5), [&] { return long_started; }));
  }
  std::vector<action> quick;
  for (int i = 0; i < 3; ++i) {
    quick.push_back(enqueue(fx.db(), action_request("QUICK", "{}", "quick-" + std::to_string(i)), fx.clock.now()));
    const auto started = std::chrono::steady_clock::now();
    const auto report = fx.tick(runner);
    // It waited for the quick one only, never for the long one's 2 s.
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1500));
    CHECK(report.succeeded == 1);
    CHECK(reload(fx.db(), quick.back().id).status == action_status::succeeded);
    CHECK(reload(fx.db(), long_one.id).status == action_status::running);
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    release_long = true;
  }
  changed.notify_all();
  for (int i = 0; i < 20 && reload(fx.db(), long_one.id).status == action_status::running; ++i) {
    fx.tick(runner);
  }
  CHECK(reload(fx.db(), long_one.id).status == action_status::succeeded);
  CHECK(runner.running_attempts() == 0);
}
