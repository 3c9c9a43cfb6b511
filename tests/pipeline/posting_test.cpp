// Publishing through the queue, on virtual time, with the real simulated
// driver as the platform (its ledger holds one line per post that reached
// it): the orchestrator's gating, skips and rate limits, the one post per
// decision, retries of transient failures, and the unconfirmed path — a
// driver that dies after posting, a daemon that dies mid-post, a lookup that
// cannot tell and the operator's answers. On SQLite and PostgreSQL.
#include "runtime/store/aol_claims.hpp"
#include "runtime/store/posted_decisions.hpp"
#include "tests/pipeline/posting_fixture.hpp"

using namespace troupe;
using namespace troupe::pipeline::testing;
using troupe::store::testing::test_backends;


TEST_CASE("while posting is blocked the orchestrator logs each skip once and keeps the decisions queued") {
  const backend kind = GENERATE(from_range(test_backends()));
  posting_fixture fx(kind);
  captured_log log;
  fx.set_flags(switches("shadow", true, false));
  fx.add_decision("d-1", "acct-1");
  fx.add_decision("s-1", "acct-1", generation_source::synthetic);
  fx.orchestrate();
  fx.orchestrate();
  CHECK(log.count("[POSTING_ORCHESTRATOR] skipped decision_id=d-1 reason=shadow_mode") == 1);
  CHECK(log.count("[POSTING_ORCHESTRATOR] skipped decision_id=s-1 reason=shadow_mode") == 1);
  fx.set_flags(switches("live", true, true));
  fx.orchestrate();
  CHECK(log.count("[POSTING_ORCHESTRATOR] skipped decision_id=d-1 reason=posting_disabled") == 1);
  CHECK(fx.decision("d-1").status == decision_status::queued);
  CHECK(fx.decision("s-1").status == decision_status::queued);
  CHECK(fx.count("SELECT COUNT(*) FROM aol_actions") == 0);
}

TEST_CASE("with the switches on a decision is posted once through the queue and synthetic content never") {
  const backend kind = GENERATE(from_range(test_backends()));
  posting_fixture fx(kind);
  fx.add_decision("s-1", "acct-1", generation_source::synthetic);
  fx.add_decision("d-1", "acct-1");
  fx.set_flags(posting_on());
  auto runner = fx.runner();
  const auto summary = fx.orchestrate().summary;
  CHECK(summary == "enqueued 1, blocked 0, waiting 0, skipped 1, settled 0");
  CHECK(fx.decision("s-1").status == decision_status::skipped);
  CHECK(fx.decision("s-1").skip_reason == std::optional<std::string>("synthetic_content"));
  const auto queued = fx.post_action("d-1");
  CHECK(queued.type == "POST_SOCIAL");
  CHECK(queued.idempotency_key == "d-1");
  CHECK(queued.max_attempts == 4);
  CHECK(fx.decision("d-1").status == decision_status::posting);

  fx.tick(runner);
  const auto posted = fx.decision("d-1");
  CHECK(posted.status == decision_status::posted);
  CHECK(fx.post_action("d-1").status == action_status::succeeded);
  const auto platform_id = platform_post_id(fx.db(), "d-1");
  REQUIRE_OK(platform_id);
  REQUIRE(*platform_id);
  CHECK_THAT(posted.features_json, Catch::Matchers::Contains("\"tweet_id\":\"" + **platform_id + "\""));
  CHECK(fx.count("SELECT COUNT(*) FROM system_events WHERE kind = 'POST_SUCCESS'") == 1);
  for (int i = 0; i < 3; ++i) {
    fx.clock.advance(60'000);
    fx.orchestrate();
    fx.tick(runner);
  }
  CHECK(lines_of(ledger_path(fx.dir.path())) == std::vector<std::string>{"d-1"});
  CHECK(lines_of(fx.post_log()) == std::vector<std::string>{"d-1"});
}

TEST_CASE("a second post of an account waits for MIN_POST_INTERVAL_MINUTES while other accounts go on") {
  const backend kind = GENERATE(from_range(test_backends()));
  posting_fixture fx(kind);
  captured_log log;
  auto flags = posting_on();
  flags.min_post_interval_minutes = 10;
  fx.set_flags(flags);
  fx.add_decision("a-1", "acct-1");
  fx.add_decision("a-2", "acct-1");
  fx.add_decision("b-1", "acct-2");
  auto runner = fx.runner();
  CHECK(fx.orchestrate().summary == "enqueued 2, blocked 0, waiting 1, skipped 0, settled 0");
  CHECK(fx.decision("a-2").status == decision_status::queued);
  CHECK(log.count("[POSTING_ORCHESTRATOR] waiting decision_id=a-2 reason=min_post_interval account=acct-1") == 1);
  fx.tick(runner);
  fx.clock.advance(9 * 60'000);
  fx.orchestrate();
  CHECK(fx.decision("a-2").status == decision_status::queued);
  fx.clock.advance(60'000);
  fx.orchestrate();
  CHECK(fx.decision("a-2").status == decision_status::posting);
  fx.tick(runner);
  CHECK(fx.decision("a-2").status == decision_status::posted);
  CHECK(log.count("waiting decision_id=a-2") == 1);
}

TEST_CASE("a transient failure is retried three times and then the decision fails with nothing posted") {
  const backend kind = GENERATE(from_range(test_backends()));
  posting_fixture fx(kind, {{"SIM_DRIVER_P_TRANSIENT", "1"}});
  fx.set_flags(posting_on());
  fx.add_decision("d-1", "acct-1");
  auto runner = fx.runner();
  fx.orchestrate();
  for (int i = 0; i < 6; ++i) {
    fx.tick(runner);
    fx.clock.advance(backoff_ms);
  }
  const auto action = fx.post_action("d-1");
  CHECK(action.status == action_status::dlq);
  CHECK(action.attempts == 4);
  CHECK(fx.decision("d-1").status == decision_status::posting);
  fx.orchestrate();  // settles the decision its action left behind
  const auto failed = fx.decision("d-1");
  CHECK(failed.status == decision_status::failed);
  CHECK_THAT(failed.error_message.value_or(""), Catch::Matchers::Contains("its post action ended DLQ"));
  CHECK(lines_of(ledger_path(fx.dir.path())).empty());
}

TEST_CASE("a driver that dies after posting leaves the decision unconfirmed and the lookup finds the post") {
  const backend kind = GENERATE(from_range(test_backends()));
  posting_fixture fx(kind, {{"SIM_DRIVER_DIE_AFTER_POST", "1"}});
  captured_log log;
  fx.set_flags(posting_on());
  fx.add_decision("d-1", "acct-1");
  auto runner = fx.runner();
  fx.orchestrate();
  fx.tick(runner);
  const auto unknown = fx.decision("d-1");
  CHECK(unknown.status == decision_status::unconfirmed);
  CHECK(log.count("[POSTING] unconfirmed decision_id=d-1") == 1);
  CHECK(lines_of(ledger_path(fx.dir.path())) == std::vector<std::string>{"d-1"});

  fx.clock.advance(backoff_ms);
  fx.tick(runner);  // reconciles: lookup, not another post
  CHECK(fx.decision("d-1").status == decision_status::posted);
  CHECK(fx.post_action("d-1").status == action_status::succeeded);
  CHECK(log.count("[POSTING] reconciled decision_id=d-1 found=true") == 1);
  CHECK(lines_of(ledger_path(fx.dir.path())) == std::vector<std::string>{"d-1"});
  CHECK(lines_of(fx.post_log()) == std::vector<std::string>{"d-1"});
}

TEST_CASE("an attempt that finds an earlier one interrupted mid-post reconciles instead of posting again") {
  const backend kind = GENERATE(from_range(test_backends()));
  posting_fixture fx(kind);
  fx.set_flags(posting_on());
  fx.add_decision("d-1", "acct-1");
  fx.orchestrate();
  // Another daemon claimed the post, marked it and reached the platform, then died.
  auto claimed = claim_due_actions(fx.db(), "dead-daemon", fx.clock.now(), 1000, 1);
  REQUIRE_OK(claimed);
  REQUIRE(claimed->size() == 1);
  REQUIRE_OK(begin_post_attempt(fx.db(), "d-1", fx.clock.now()));
  { std::ofstream(ledger_path(fx.dir.path())) << "d-1\n"; }
  fx.clock.advance(2000);  // its lease runs out

  auto runner = fx.runner();
  fx.tick(runner);
  CHECK(fx.decision("d-1").status == decision_status::posted);
  CHECK(lines_of(fx.post_log()).empty());  // this daemon never called post
  CHECK(lines_of(ledger_path(fx.dir.path())) == std::vector<std::string>{"d-1"});
}

TEST_CASE("a lookup that cannot tell waits for an operator whose answer settles the decision") {
  const backend kind = GENERATE(from_range(test_backends()));
  posting_fixture fx(kind, {{"SIM_DRIVER_DIE_AFTER_POST", "1"}, {"SIM_DRIVER_LOOKUP_UNKNOWN", "1"}});
  fx.set_flags(posting_on());
  fx.add_decision("d-1", "acct-1");
  auto runner = fx.runner();
  fx.orchestrate();
  fx.tick(runner);
  fx.clock.advance(backoff_ms);
  fx.tick(runner);
  auto waiting = fx.post_action("d-1");
  CHECK(waiting.status == action_status::needs_decision);
  CHECK_THAT(attempts(fx.db(), waiting.id).back().error.value_or(""),
             Catch::Matchers::Contains("posted:<platform post id>, retry or drop"));
  CHECK(fx.decision("d-1").status == decision_status::unconfirmed);
  for (int i = 0; i < 3; ++i) {  // it waits: no blind retry
    fx.clock.advance(backoff_ms);
    fx.tick(runner);
  }
  CHECK(lines_of(fx.post_log()) == std::vector<std::string>{"d-1"});

  const std::string answer = GENERATE(as<std::string>{}, "posted:x-42", "drop", "retry");
  CAPTURE(answer);
  auto decided = decide_action(fx.db(), waiting.id, answer, fx.clock.now());
  REQUIRE_OK(decided);
  REQUIRE(*decided);
  fx.tick(runner);
  const auto settled = fx.decision("d-1");
  if (answer == "posted:x-42") {
    CHECK(settled.status == decision_status::posted);
    CHECK(platform_post_id(fx.db(), "d-1").value() == std::optional<std::string>("x-42"));
    CHECK(lines_of(fx.post_log()).size() == 1);
  } else if (answer == "drop") {
    CHECK(settled.status == decision_status::failed);
    CHECK(settled.error_message == std::optional<std::string>("dropped by an operator: outcome unknown"));
    CHECK(lines_of(fx.post_log()).size() == 1);
  } else {
    // Posted again under the same key (the simulated platform keeps one),
    // and the driver died again: the operator is asked again, not retried.
    CHECK(lines_of(fx.post_log()).size() == 2);
    CHECK(settled.status == decision_status::unconfirmed);
    CHECK(fx.post_action("d-1").status == action_status::needs_decision);
  }
  CHECK(lines_of(ledger_path(fx.dir.path())) == std::vector<std::string>{"d-1"});
}

TEST_CASE("a post starts only under a renewed lease with more time left than the driver's timeout") {
  const backend kind = GENERATE(from_range(test_backends()));
  posting_fixture fx(kind);
  fx.set_flags(posting_on());
  fx.add_decision("d-1", "acct-1");
  fx.orchestrate();
  const auto action = fx.post_action("d-1");
  const auto adapter = pipeline::posting_adapter(fx.config.db, fx.clock.function());
  aol::adapter_context context;
  context.config = fx.shared_config;
  context.flags = posting_on();
  int renewals = 0;

  SECTION("a lease too short for a post's timeout fails the action for an operator, nothing posted") {
    context.renewed_lease = std::chrono::milliseconds(14'000);  // 9 s left for the driver: too little
    const auto outcome = adapter(action, context);
    CHECK(outcome.result == aol::adapter_outcome::kind::failed);
    CHECK(outcome.permanent);
    CHECK_THAT(outcome.error, Catch::Matchers::Contains("aol.actionLeaseMs leaves a post 9000 ms"));
  }
  SECTION("a lease lost at renewal stops the post before its mark, nothing posted") {
    context.renew = [&] {
      ++renewals;
      return false;
    };
    const auto outcome = adapter(action, context);
    CHECK(renewals == 1);
    CHECK(outcome.result == aol::adapter_outcome::kind::failed);
    CHECK_FALSE(outcome.permanent);
    CHECK(outcome.error == "could not extend the action's lease before posting");
    CHECK_FALSE(fx.decision("d-1").post_attempt_started_at_ms);
  }
  SECTION("a renewed lease lets the post run, renewed before it") {
    context.renew = [&] {
      ++renewals;
      return true;
    };
    const auto outcome = adapter(action, context);
    CHECK(renewals == 1);
    CHECK(outcome.result == aol::adapter_outcome::kind::succeeded);
    CHECK(fx.decision("d-1").status == decision_status::posted);
  }
  if (fx.decision("d-1").status != decision_status::posted) {
    CHECK(lines_of(fx.post_log()).empty());
    CHECK(fx.decision("d-1").status == decision_status::posting);
  }
}
