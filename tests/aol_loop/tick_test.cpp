// Every path of a tick, on virtual time, on SQLite and PostgreSQL: success,
// retry with backoff, DLQ, unknown types, decisions, the paused and proof
// flags, fencing, the single-daemon lease and pruning.
#include "runtime/aol/tick.hpp"

#include <boost/json.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "runtime/store/aol_claims.hpp"
#include "runtime/store/aol_control_flags.hpp"
#include "runtime/store/aol_lease.hpp"
#include "runtime/store/aol_tick_ledger.hpp"
#include "runtime/store/database_clock.hpp"
#include "runtime/system_clock.hpp"
#include "tests/aol_loop/loop_fixtures.hpp"

using namespace troupe::aol;
using namespace troupe::aol::testing;
using namespace troupe::store;
using Catch::Matchers::Contains;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

adapter_registry builtins() { return builtin_adapters(no_session_runner()); }

// A registry with one adapter for the type "TEST".
adapter_registry with_test_adapter(adapter handler) {
  auto registry = builtins();
  registry.add("TEST", std::move(handler));
  return registry;
}

tick_record last_tick(database& db) {
  auto ticks = recent_ticks(db, 1);
  REQUIRE_OK(ticks);
  REQUIRE(ticks->size() == 1);
  return ticks->front();
}

}  // namespace

TEST_CASE("a tick runs a due POST_SOCIAL through the driver and records it everywhere") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  const auto queued = fx.enqueued(action_request("POST_SOCIAL", hello_post, "post-1"));
  tick_runner runner(fx.env(builtins()), 1);
  const auto report = held_tick(runner, fx.db());
  CHECK(report.status == tick_status::success);
  CHECK(report.attempted == 1);
  CHECK(report.succeeded == 1);
  CHECK(reload(fx.db(), queued.id).status == action_status::succeeded);
  CHECK(lines_of(ledger_path(fx.dir.path())) == std::vector<std::string>{"post-1"});
  const auto logged = attempts(fx.db(), queued.id);
  REQUIRE(logged.size() == 1);
  CHECK(logged[0].attempt == 1);
  CHECK(logged[0].lease_token == 1);
  CHECK(logged[0].outcome == attempt_outcome::succeeded);
  CHECK(logged[0].ended_at_ms);
  CHECK_FALSE(logged[0].artifact);
  const auto tick = last_tick(fx.db());
  CHECK(tick.status == tick_status::success);
  CHECK(tick.attempted == 1);
  CHECK(tick.succeeded == 1);
  CHECK(tick.owner == "daemon-a");
  CHECK(tick.epoch == 1);
  // Nothing is due any more.
  CHECK(held_tick(runner, fx.db()).attempted == 0);
}

TEST_CASE("a failed attempt retries after its backoff, then succeeds") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  fx.config.aol.backoff = {1000, 2.0, 60'000, 0.5};
  int calls = 0;
  tick_runner runner(fx.env(with_test_adapter([&calls](const action&, const adapter_context&) {
                       return ++calls < 3 ? adapter_outcome::retryable("rate limited")
                                          : adapter_outcome::success();
                     })),
                     7);
  const auto queued = fx.enqueued(action_request("TEST", "{}", "flaky"));
  std::int64_t nominal = 1000;
  for (int failure = 1; failure <= 2; ++failure, nominal *= 2) {
    const auto failed_at = fx.clock.now();
    CHECK(held_tick(runner, fx.db()).succeeded == 0);
    const auto retrying = reload(fx.db(), queued.id);
    CHECK(retrying.status == action_status::retry);
    CHECK(retrying.last_error == std::optional<std::string>("rate limited"));
    const auto delay = retrying.next_attempt_at_ms - failed_at;
    CHECK(delay >= nominal / 2);  // jitter 0.5 draws within [nominal / 2, nominal]
    CHECK(delay <= nominal);
    fx.clock.set(retrying.next_attempt_at_ms - 1);
    CHECK(held_tick(runner, fx.db()).attempted == 0);  // not due yet
    fx.clock.set(retrying.next_attempt_at_ms);
  }
  const auto report = held_tick(runner, fx.db());
  CHECK(report.attempted == 1);
  CHECK(report.succeeded == 1);
  const auto done = reload(fx.db(), queued.id);
  CHECK(done.status == action_status::succeeded);
  CHECK(done.attempts == 3);
  const auto logged = attempts(fx.db(), queued.id);
  REQUIRE(logged.size() == 3);
  CHECK(logged[0].outcome == attempt_outcome::failed);
  CHECK(logged[0].error == std::optional<std::string>("rate limited"));
  CHECK(logged[2].outcome == attempt_outcome::succeeded);
}

TEST_CASE("an action that keeps failing goes to the DLQ after max attempts with its last error") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  int calls = 0;
  tick_runner runner(fx.env(with_test_adapter([&calls](const action&, const adapter_context&) {
                       return adapter_outcome::retryable("failure " + std::to_string(++calls));
                     })),
                     1);
  const auto queued = fx.enqueued(action_request("TEST", "{}", "doomed", 3));
  for (int attempt = 1; attempt <= 3; ++attempt) {
    CHECK(held_tick(runner, fx.db()).attempted == 1);
    fx.clock.set(reload(fx.db(), queued.id).next_attempt_at_ms);
  }
  const auto dead = reload(fx.db(), queued.id);
  CHECK(dead.status == action_status::dlq);
  CHECK(dead.attempts == 3);
  CHECK(dead.last_error == std::optional<std::string>("failure 3"));
  fx.clock.advance(24LL * 3600 * 1000);
  CHECK(held_tick(runner, fx.db()).attempted == 0);
  CHECK(calls == 3);
}

TEST_CASE("an unknown action type goes to the DLQ at once") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  tick_runner runner(fx.env(builtins()), 1);
  const auto queued = fx.enqueued(action_request("TELEPORT", "{}", "beam-me-up", 5));
  const auto report = held_tick(runner, fx.db());
  CHECK(report.attempted == 1);
  CHECK(report.succeeded == 0);
  const auto dead = reload(fx.db(), queued.id);
  CHECK(dead.status == action_status::dlq);
  CHECK(dead.attempts == 1);
  CHECK(dead.last_error == std::optional<std::string>("unknown action type TELEPORT"));
}

TEST_CASE("an adapter that asks for a decision parks the action until one is made") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  // Attempts of one tick run on their own threads, so the record is locked.
  std::mutex seen_lock;
  std::vector<std::optional<std::string>> decisions_seen;
  tick_runner runner(
      fx.env(with_test_adapter([&](const action& asked, const adapter_context&) {
        const std::lock_guard<std::mutex> hold(seen_lock);
        decisions_seen.push_back(asked.decision);
        return asked.decision ? adapter_outcome::success()
                              : adapter_outcome::decision_needed("post this reply?");
      })),
      1);
  const auto answered = fx.enqueued(action_request("TEST", "{}", "to-answer"));
  const auto ignored = fx.enqueued(action_request("TEST", "{}", "to-ignore"));
  const auto report = held_tick(runner, fx.db());
  CHECK(report.attempted == 2);
  CHECK(report.succeeded == 0);
  CHECK(reload(fx.db(), answered.id).status == action_status::needs_decision);
  const auto logged = attempts(fx.db(), answered.id);
  REQUIRE(logged.size() == 1);
  CHECK(logged[0].outcome == attempt_outcome::needs_decision);
  CHECK(logged[0].error == std::optional<std::string>("post this reply?"));
  CHECK(held_tick(runner, fx.db()).attempted == 0);  // waiting

  REQUIRE(*decide_action(fx.db(), answered.id, "approve", fx.clock.now()));
  CHECK(held_tick(runner, fx.db()).succeeded == 1);
  CHECK(reload(fx.db(), answered.id).status == action_status::succeeded);
  CHECK(decisions_seen.back() == std::optional<std::string>("approve"));

  // The other one is skipped once the decision timeout has passed.
  fx.clock.advance(fx.config.aol.decision_timeout_ms);
  CHECK(held_tick(runner, fx.db()).attempted == 0);
  const auto skipped = reload(fx.db(), ignored.id);
  CHECK(skipped.status == action_status::succeeded);
  CHECK(skipped.decision == std::optional<std::string>(auto_skip_decision));
}

TEST_CASE("a paused loop records a PAUSED tick and claims nothing") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  tick_runner runner(fx.env(builtins()), 1);
  const auto queued = fx.enqueued(action_request("POST_SOCIAL", hello_post, "post-1"));
  REQUIRE_OK(set_control_flag(fx.db(), "paused", true, fx.clock.now()));
  const auto report = held_tick(runner, fx.db());
  CHECK(report.status == tick_status::paused);
  CHECK(report.attempted == 0);
  CHECK(last_tick(fx.db()).status == tick_status::paused);
  CHECK(reload(fx.db(), queued.id).status == action_status::pending);
  CHECK_FALSE(std::filesystem::exists(ledger_path(fx.dir.path())));

  REQUIRE_OK(set_control_flag(fx.db(), "paused", false, fx.clock.now()));
  CHECK(held_tick(runner, fx.db()).succeeded == 1);
}

TEST_CASE("PROOF mode, by flag or forced, writes an artifact, posts nothing and leaves the action PROOFED") {
  const backend kind = GENERATE(from_range(test_backends()));
  const bool forced = GENERATE(false, true);
  tick_fixture fx(kind);
  auto env = fx.env(builtins());
  env.force_proof = forced;
  tick_runner runner(std::move(env), 1);
  if (!forced) REQUIRE_OK(set_control_flag(fx.db(), "proof", true, fx.clock.now()));
  const auto queued = fx.enqueued(action_request("POST_SOCIAL", hello_post, "post-1"));
  const auto report = held_tick(runner, fx.db());
  CHECK(report.attempted == 1);
  CHECK(report.succeeded == 0);  // a rehearsal is no success
  const auto proofed = reload(fx.db(), queued.id);
  CHECK(proofed.status == action_status::proofed);
  CHECK(proofed.attempts == 0);
  CHECK_FALSE(std::filesystem::exists(ledger_path(fx.dir.path())));
  CHECK_FALSE(std::filesystem::exists(fx.dir.path() / "session-logs"));
  const auto artifact = fx.dir.path() / "aol-data" / "proof" / (std::to_string(queued.id) + "-1.json");
  REQUIRE(std::filesystem::exists(artifact));
  const auto written = boost::json::parse(contents_of(artifact.string()));
  CHECK(written.at("idempotency_key").as_string() == "post-1");
  CHECK(proofed.proof_artifact == std::optional<std::string>(artifact.string()));
  const auto logged = attempts(fx.db(), queued.id);
  REQUIRE(logged.size() == 1);
  CHECK(logged[0].artifact == std::optional<std::string>(artifact.string()));
}

TEST_CASE("an outcome written after another holder reclaimed the action is fenced") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  auto other = database::open(fx.store.url());
  REQUIRE_OK(other);
  bool renewed_after_loss = true;
  bool cancelled_after_loss = false;
  tick_runner runner(
      fx.env(with_test_adapter([&](const action& claimed, const adapter_context& context) {
        // This daemon stalls past the action's lease; another claims it.
        fx.clock.advance(fx.config.aol.action_lease_ms + 1);
        auto reclaimed = claim_due_actions(*other, "daemon-b", fx.clock.now(), 60'000, 10);
        if (!reclaimed || reclaimed->size() != 1 || reclaimed->front().id != claimed.id) {
          return adapter_outcome::permanent_failure("the test could not reclaim the action");
        }
        renewed_after_loss = context.renew();
        cancelled_after_loss = context.cancel->cancelled();
        return adapter_outcome::success();
      })),
      1);
  const auto queued = fx.enqueued(action_request("TEST", "{}", "contested"));
  const auto report = held_tick(runner, fx.db());
  CHECK(report.attempted == 1);
  CHECK(report.succeeded == 0);
  CHECK_FALSE(renewed_after_loss);
  CHECK(cancelled_after_loss);
  const auto now_held = reload(fx.db(), queued.id);
  CHECK(now_held.status == action_status::running);
  CHECK(now_held.lease_owner == std::optional<std::string>("daemon-b"));
  CHECK(now_held.lease_token == 2);
  const auto logged = attempts(fx.db(), queued.id);
  REQUIRE_FALSE(logged.empty());
  CHECK(logged.front().lease_token == 1);
  CHECK(logged.front().outcome == attempt_outcome::fenced);
  CHECK(last_tick(fx.db()).succeeded == 0);
}

TEST_CASE("a renewal asked between ticks waits for the next tick and extends the lease there") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  fx.config.aol.lease_ttl_ms = 300;  // a tick waits 100 ms for its attempts
  std::promise<void> ask;
  std::atomic<bool> answered{false};
  std::atomic<bool> renewed{false};
  auto asked = ask.get_future().share();
  tick_runner runner(fx.env(with_test_adapter([&](const action&, const adapter_context& context) {
                       asked.wait();
                       renewed = context.renew();
                       answered = true;
                       return adapter_outcome::success();
                     })),
                     1);
  fx.enqueued(action_request("TEST", "{}", "long"));
  CHECK(held_tick(runner, fx.db()).attempted == 0);  // still running after its wait
  ask.set_value();
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  CHECK_FALSE(answered.load());  // no tick, no renewal (it used to say true, unrenewed)

  auto succeeded = held_tick(runner, fx.db()).succeeded;  // lets the renewal through while it waits
  REQUIRE(wait_until([&] { return answered.load(); }));
  CHECK(renewed.load());
  CHECK(wait_until([&] { return (succeeded += held_tick(runner, fx.db()).succeeded) == 1; }));
}

TEST_CASE("a renewal asked while no tick runs gives up, so nothing irreversible starts") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  fx.config.aol.lease_ttl_ms = 300;
  fx.config.aol.tick_ms = 50;  // the renewal waits 100 + 2 x 50 ms for a tick
  std::promise<void> ask;
  std::promise<bool> renewal;
  auto asked = ask.get_future().share();
  tick_runner runner(fx.env(with_test_adapter([&](const action&, const adapter_context& context) {
                       asked.wait();
                       renewal.set_value(context.renew());
                       return adapter_outcome::success();
                     })),
                     1);
  fx.enqueued(action_request("TEST", "{}", "stranded"));
  held_tick(runner, fx.db());
  ask.set_value();
  auto answer = renewal.get_future();
  REQUIRE(answer.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK_FALSE(answer.get());
}

TEST_CASE("a daemon that does not hold the lease stands by until the holder's lease expires") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  fx.enqueued(action_request("POST_SOCIAL", hello_post, "post-1"));
  auto taken = try_acquire_or_renew_lease(fx.db(), loop_lease_name, "daemon-b", fx.clock.now(),
                                          fx.config.aol.lease_ttl_ms);
  REQUIRE_OK(taken);
  REQUIRE(taken->has_value());
  tick_runner runner(fx.env(builtins(), "daemon-a"), 1);
  const auto standby = runner.run(fx.db());
  CHECK(standby.standby);
  CHECK(standby.holder == "daemon-b");
  CHECK_FALSE(runner.lease());
  auto ticks = recent_ticks(fx.db(), 10);
  REQUIRE_OK(ticks);
  CHECK(ticks->empty());
  CHECK_FALSE(std::filesystem::exists(ledger_path(fx.dir.path())));

  fx.clock.advance(fx.config.aol.lease_ttl_ms + 1);  // daemon-b stopped renewing
  const auto report = held_tick(runner, fx.db());
  CHECK(report.succeeded == 1);
  REQUIRE(runner.lease());
  CHECK(runner.lease()->epoch == 2);
  CHECK(last_tick(fx.db()).owner == "daemon-a");

  // A released lease is free at once for the next daemon.
  runner.release(fx.db());
  tick_runner next(fx.env(builtins(), "daemon-c"), 1);
  CHECK_FALSE(next.run(fx.db()).standby);
  CHECK(next.lease()->epoch == 3);
}

TEST_CASE("on the database's clock, daemons whose clocks are 20 minutes apart agree on every lease") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  constexpr std::int64_t ten_minutes = 600'000;
  auto other = database::open(fx.store.url());
  REQUIRE_OK(other);
  std::optional<std::int64_t> action_lease_expiry;
  auto env_a = fx.env(with_test_adapter([&](const action& claimed, const adapter_context&) {
                        auto running = load_action(*other, claimed.id);
                        if (running && *running) action_lease_expiry = (*running)->lease_expires_at_ms;
                        return adapter_outcome::success();
                      }),
                      "daemon-a");
  virtual_clock behind(troupe::system_now_ms() - ten_minutes);
  virtual_clock ahead(troupe::system_now_ms() + ten_minutes);
  env_a.clock = behind.function();
  env_a.database_clock = true;
  auto env_b = fx.env(builtins(), "daemon-b");
  env_b.clock = ahead.function();
  env_b.database_clock = true;
  tick_runner a(std::move(env_a), 1);
  tick_runner b(std::move(env_b), 1);
  fx.enqueued(action_request("TEST", "{}", "dated"));

  const auto before = read_database_clock_ms(fx.db());
  REQUIRE_OK(before);
  CHECK(held_tick(a, fx.db()).succeeded == 1);
  const auto after = read_database_clock_ms(fx.db());
  REQUIRE_OK(after);
  const auto& aol = fx.config.aol;
  REQUIRE(a.lease());
  CHECK(a.lease()->expires_at_ms >= *before + aol.lease_ttl_ms);
  CHECK(a.lease()->expires_at_ms <= *after + aol.lease_ttl_ms);
  REQUIRE(action_lease_expiry);
  CHECK(*action_lease_expiry >= *before + aol.action_lease_ms);
  CHECK(*action_lease_expiry <= *after + aol.action_lease_ms);

  // daemon-b's clock is 20 minutes ahead of daemon-a's, yet it sees a's lease held.
  const auto standby = b.run(fx.db());
  CHECK(standby.standby);
  CHECK(standby.holder == "daemon-a");
  // On its own clock it would have taken the lease: what the database's clock prevents.
  auto env_c = fx.env(builtins(), "daemon-c");
  env_c.clock = ahead.function();
  tick_runner c(std::move(env_c), 1);
  CHECK_FALSE(c.run(fx.db()).standby);
}

TEST_CASE("a tick claims at most maxBatch actions and says when the batch was full") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  fx.config.aol.max_batch = 3;
  tick_runner runner(fx.env(with_test_adapter(
                         [](const action&, const adapter_context&) { return adapter_outcome::success(); })),
                     1);
  for (int i = 0; i < 5; ++i) fx.enqueued(action_request("TEST", "{}", "k-" + std::to_string(i)));
  const auto first = runner.run(fx.db());
  CHECK(first.report.attempted == 3);
  CHECK(first.batch_full);
  const auto second = runner.run(fx.db());
  CHECK(second.report.attempted == 2);
  CHECK_FALSE(second.batch_full);
}

TEST_CASE("finished actions past retention are pruned, hourly") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  tick_runner runner(fx.env(with_test_adapter(
                         [](const action&, const adapter_context&) { return adapter_outcome::success(); })),
                     1);
  const auto old = fx.enqueued(action_request("TEST", "{}", "old"));
  held_tick(runner, fx.db());
  fx.clock.advance(fx.config.aol.retention_ms - 1);
  held_tick(runner, fx.db());
  CHECK(reload(fx.db(), old.id).status == action_status::succeeded);  // not yet past retention
  fx.clock.advance(prune_interval_ms);
  held_tick(runner, fx.db());
  auto gone = load_action(fx.db(), old.id);
  REQUIRE_OK(gone);
  CHECK_FALSE(gone->has_value());
}

TEST_CASE("a loop whose finished actions job:cleanup prunes leaves them in the queue") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  auto env = fx.env(with_test_adapter(
      [](const action&, const adapter_context&) { return adapter_outcome::success(); }));
  env.settings.prune_finished = false;
  tick_runner runner(std::move(env), 1);
  const auto old = fx.enqueued(action_request("TEST", "{}", "old"));
  held_tick(runner, fx.db());
  fx.clock.advance(fx.config.aol.retention_ms + prune_interval_ms);
  held_tick(runner, fx.db());
  CHECK(reload(fx.db(), old.id).status == action_status::succeeded);
}

TEST_CASE("an interrupted runner cancels the running adapter and starts no more actions") {
  const backend kind = GENERATE(from_range(test_backends()));
  tick_fixture fx(kind);
  fx.config.drivers.env["SIM_DRIVER_P_HANG"] = "1";
  fx.config.aol.max_parallel = 1;
  tick_runner runner(fx.env(builtins()), 1);
  const auto first = fx.enqueued(action_request("POST_SOCIAL", hello_post, "hangs"));
  const auto second = fx.enqueued(action_request("POST_SOCIAL", hello_post, "waits"));
  std::thread interrupter([&runner] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    runner.interrupt();
  });
  const auto started = std::chrono::steady_clock::now();
  const auto report = held_tick(runner, fx.db());
  interrupter.join();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK(report.attempted == 1);
  const auto cancelled = reload(fx.db(), first.id);
  CHECK(cancelled.status == action_status::retry);
  CHECK_THAT(*cancelled.last_error, Contains("cancelled"));
  CHECK(reload(fx.db(), second.id).status == action_status::pending);  // never claimed
  CHECK(runner.run(fx.db()).report.attempted == 0);  // lasting: later ticks start nothing
}
