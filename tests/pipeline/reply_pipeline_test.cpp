// The reply pipeline end to end on a real store (SQLite and PostgreSQL) with
// the simulated driver as the platform and fake-llm as the LLM: harvester ->
// planner -> scheduler -> executor with its runtime preflight -> approval ->
// the posting orchestrator and the queue -> REPLY_SUCCESS -> collect ->
// learn, each job run as the daemon runs it, on a clock the test moves.
#include <boost/json.hpp>
#include <fstream>

#include "config/flags.hpp"
#include "runtime/pipeline/approval.hpp"
#include "runtime/pipeline/reply_diagnostics.hpp"
#include "runtime/store/aol_claims.hpp"
#include "runtime/store/harvester_accounts.hpp"
#include "runtime/store/reply_opportunities.hpp"
#include "runtime/system_clock.hpp"
#include "tests/pipeline/pipeline_e2e_fixture.hpp"

using namespace troupe;
using namespace troupe::pipeline::testing;
using troupe::store::testing::test_backends;

namespace {

constexpr std::int64_t minute_ms = 60'000;

// Two accounts, replies neither spaced nor capped, on the real time of day
// (the simulated driver dates what it harvests by the system clock).
struct reply_fixture : e2e_fixture {
  explicit reply_fixture(backend kind, std::map<std::string, std::string> env = {})
      : e2e_fixture(kind, std::move(env)) {
    clock.set(system_now_ms());
    config.pods = {{"alpha", {"acct-1", "acct-2"}, "", {}}};
    config.content.replies_per_run = 30;
    config.content.reply.schedule_per_run = 30;
    config.content.reply.spacing_ms = 0;
    config.jobs["execute"].batch = 30;
    reconfigure();
  }

  void set_env(const std::string& name, const std::string& value) {
    config.drivers.env[name] = value;
    reconfigure();
  }
  void use_flags(const std::function<void(config::flags_config&)>& change) {
    auto next = current_flags();
    change(next);
    set_flags(next);
  }
  std::vector<content_decision> replies(std::optional<decision_status> status = std::nullopt) {
    decision_filter filter;
    filter.type = decision_type::reply;
    filter.status = status;
    auto listed = list_decisions(db(), filter, {max_decision_page, 0});
    REQUIRE_OK(listed);
    return listed->decisions;
  }
  // A reply planned for `target` of acct-1, scheduled now: what the executor claims next.
  std::string scheduled_reply(const std::string& id, const std::string& target) {
    store::new_reply_opportunity found;
    found.account_id = "acct-1";
    found.target_post_id = target;
    found.discovered_at_ms = clock.now();
    auto opportunity = store::insert_opportunity(db(), found);
    REQUIRE_OK(opportunity);
    REQUIRE(opportunity->has_value());
    REQUIRE_OK(store::take_opportunity(db(), **opportunity, id, clock.now()));
    content_decision decision;
    decision.decision_id = id;
    decision.account_id = "acct-1";
    decision.type = decision_type::reply;
    decision.source = generation_source::real;
    decision.content = "a thoughtful reply to " + target;
    decision.status = decision_status::planned;
    decision.pipeline_source = "reply_v2_planner";
    decision.target_post_id = target;
    REQUIRE_OK(insert_decision(db(), decision, clock.now()));
    auto moved = store::schedule_decision(db(), id, clock.now(), "reply_v2_scheduler", clock.now());
    REQUIRE_OK(moved);
    REQUIRE(*moved);
    return id;
  }
  std::string load_action_type(std::int64_t id) { return reload(db(), id).type; }
  aol::adapter_outcome run_approval(std::int64_t action_id) {
    return pipeline::approval_adapter(config.db)(reload(db(), action_id), aol::adapter_context{});
  }
  std::optional<store::reply_opportunity> opportunity_of(const std::string& decision_id) {
    auto found = store::opportunity_of_decision(db(), decision_id);
    REQUIRE_OK(found);
    return *found;
  }
  boost::json::object report() {
    auto built = pipeline::reply_pipeline_report(db(), *shared_config, current_flags(), clock.now());
    REQUIRE_OK(built);
    return *built;
  }
};

config::flags_config live_replies(bool auto_approve) {
  auto flags = switches("live", false, true);
  flags.auto_approve = auto_approve;
  flags.harvesting_enabled = true;
  flags.real_metrics_enabled = true;
  flags.min_post_interval_minutes = 0;
  flags.max_posts_per_hour = 100;
  return flags;
}

std::string stage_reasons(const boost::json::object& report, const std::string& stage) {
  std::string all;
  for (const auto& item : report.at("stages").as_array()) {
    if (item.at("stage").as_string() != stage) continue;
    for (const auto& reason : item.at("reasons").as_array()) all += std::string(reason.as_string()) + "\n";
  }
  return all;
}

}  // namespace

TEST_CASE("reply end to end: harvest, plan, schedule, preflight ok, auto-approve, posted once with REPLY_SUCCESS, collected and rewarded") {
  const backend kind = GENERATE(from_range(test_backends()));
  reply_fixture fx(kind, {{"SIM_DRIVER_HARVEST_COUNT", "8"}});
  captured_log log;
  auto runner = fx.runner();
  fx.set_flags(live_replies(true));
  for (int cycle = 0; cycle < cycles_allowed && fx.posted_ids().size() < 5; ++cycle) {
    fx.run_job("harvest");
    fx.run_job("reply");
    fx.run_job("schedule");
    fx.run_job("execute");
    fx.run_job("posting");
    fx.tick(runner);
    fx.clock.advance(minute_ms);
  }
  const auto posted = fx.posted_ids();
  REQUIRE(posted.size() >= 5);
  CHECK(log.count("[HARVESTER] account=acct-1") >= 1);
  CHECK(log.count("[RUNTIME_PREFLIGHT] timeout_ms=10000") >= posted.size());

  for (const auto& id : posted) {
    const auto reply = fx.decision(id);
    INFO(id);
    CHECK(reply.type == decision_type::reply);
    CHECK(reply.status == decision_status::posted);
    CHECK(reply.pipeline_source == "reply_v2_scheduler");
    CHECK(reply.runtime_preflight_status == std::optional<std::string>("ok"));
    CHECK(reply.claimed_at_ms);
    CHECK(reply.source == generation_source::real);
    const auto features = boost::json::parse(reply.features_json).as_object();
    CHECK(features.at("runtime_preflight_status").as_string() == "ok");
    CHECK(features.contains("tweet_id"));
    const auto opportunity = fx.opportunity_of(id);
    REQUIRE(opportunity);
    CHECK(opportunity->replied_to);
    CHECK(reply.target_post_id == std::optional<std::string>(opportunity->target_post_id));
  }
  CHECK(fx.count("SELECT COUNT(*) FROM system_events WHERE kind = 'REPLY_SUCCESS'") ==
        static_cast<long long>(posted.size()));
  // The platform saw each reply once.
  const auto ledger = lines_of(ledger_path(fx.dir.path()));
  CHECK(std::set<std::string>(ledger.begin(), ledger.end()) == std::set<std::string>(posted.begin(), posted.end()));
  CHECK(ledger.size() == posted.size());

  fx.run_job("collect");
  CHECK(fx.count("SELECT COUNT(*) FROM outcomes WHERE simulated = 0") == static_cast<long long>(posted.size()));
  CHECK_THAT(fx.run_job("learn").summary, Catch::Matchers::StartsWith("arms_trained="));
  for (const auto& id : posted) {
    const auto features = boost::json::parse(fx.decision(id).features_json).as_object();
    INFO(id);
    CHECK(features.contains("reward"));
  }

  const auto report = fx.report();
  const auto& success = report.at("last_reply_success");
  REQUIRE(success.is_object());
  CHECK(std::find(posted.begin(), posted.end(), std::string(success.at("decision_id").as_string())) != posted.end());
  CHECK(report.at("preflight").as_object().at("ok").as_int64() >= static_cast<std::int64_t>(posted.size()));
}

TEST_CASE("deleted, timed-out and failing targets never post: each is skipped with its preflight answer and its opportunity marked") {
  const backend kind = GENERATE(from_range(test_backends()));
  reply_fixture fx(kind, {{"SIM_DRIVER_PREFLIGHT_SLOW_MS", "30000"}});
  captured_log log;
  auto runner = fx.runner();
  fx.set_flags(live_replies(true));
  fx.use_flags([](config::flags_config& flags) { flags.runtime_preflight_timeout_ms = 3000; });
  const std::vector<std::pair<std::string, std::string>> cases{
      {"deleted", "deleted"}, {"error", "error"}, {"slow", "timeout"}};
  for (const auto& [mode, answer] : cases) {
    fx.set_env("SIM_DRIVER_PREFLIGHT", mode);
    const auto id = fx.scheduled_reply("r-" + mode, "t-" + mode);
    const auto started = std::chrono::steady_clock::now();
    fx.run_job("execute");
    const auto took = std::chrono::steady_clock::now() - started;
    const auto reply = fx.decision(id);
    INFO(mode);
    CHECK(reply.status == decision_status::skipped);
    CHECK(reply.skip_reason == std::optional<std::string>("runtime_preflight_" + answer));
    CHECK(reply.runtime_preflight_status == std::optional<std::string>(answer));
    const auto opportunity = fx.opportunity_of(id);
    REQUIRE(opportunity);
    CHECK(opportunity->status == store::opportunity_status::skipped);
    CHECK(opportunity->preflight_status == std::optional<std::string>(answer));
    CHECK(log.count("[RUNTIME_PREFLIGHT] decision_id=" + id + " target=t-" + mode + " status=" + answer) == 1);
    if (mode == "slow") CHECK(took < std::chrono::seconds(15));  // stopped at 3 s, not after the driver's 30 s
  }
  fx.set_env("SIM_DRIVER_PREFLIGHT", "ok");
  const auto good = fx.scheduled_reply("r-ok", "t-ok");
  fx.run_job("execute");
  fx.run_job("posting");
  fx.tick(runner);
  CHECK(fx.decision(good).status == decision_status::posted);
  CHECK(fx.posted_ids() == std::vector<std::string>{good});
  CHECK(lines_of(ledger_path(fx.dir.path())) == std::vector<std::string>{good});
  CHECK(fx.count("SELECT COUNT(*) FROM aol_actions WHERE type = 'POST_SOCIAL'") == 1);

  const auto report = fx.report();
  const auto& preflight = report.at("preflight").as_object();
  CHECK(preflight.at("deleted").as_int64() == 1);
  CHECK(preflight.at("timeout").as_int64() == 1);
  CHECK(preflight.at("error").as_int64() == 1);
  CHECK(preflight.at("ok").as_int64() == 1);
}

TEST_CASE("RUNTIME_PREFLIGHT_TIMEOUT_MS is clamped to 3000..20000 and logged by the executor") {
  reply_fixture fx(backend::sqlite);
  captured_log log;
  fx.set_flags(live_replies(true));
  const std::vector<std::pair<std::string, int>> expected{
      {"1000", 3000}, {"3000", 3000}, {"10000", 10000}, {"20000", 20000}, {"60000", 20000}};
  for (const auto& [value, clamped] : expected) {
    const std::string variable_value = value;
    const config::environment_lookup environment = [&](const char* name) -> const char* {
      return std::string(name) == "RUNTIME_PREFLIGHT_TIMEOUT_MS" ? variable_value.c_str() : nullptr;
    };
    auto flags = config::apply_environment(live_replies(true), environment);
    CHECK(flags.runtime_preflight_timeout_ms == clamped);
    fx.set_flags(flags);
    const auto id = fx.scheduled_reply("r-" + value, "t-" + value);
    fx.run_job("execute");
    INFO(value);
    CHECK(log.count("[RUNTIME_PREFLIGHT] timeout_ms=" + std::to_string(clamped) + " decision_id=" + id) == 1);
    CHECK(fx.decision(id).status == decision_status::queued);
  }
}

TEST_CASE("live replies wait for approval after their preflight: approve posts one, reject and a timeout skip the others") {
  const backend kind = GENERATE(from_range(test_backends()));
  reply_fixture fx(kind);
  fx.set_flags(live_replies(false));
  const auto approved = fx.scheduled_reply("r-approved", "t-1");
  const auto rejected = fx.scheduled_reply("r-rejected", "t-2");
  const auto ignored = fx.scheduled_reply("r-ignored", "t-3");
  fx.run_job("execute");
  for (const auto& id : {approved, rejected, ignored}) {
    const auto waiting = fx.decision(id);
    CHECK(waiting.status == decision_status::awaiting_approval);
    REQUIRE(waiting.aol_action_id);
    CHECK(fx.load_action_type(*waiting.aol_action_id) == "APPROVE_DECISION");
  }
  const auto now = fx.clock.now();
  const auto claimed = claim_due_actions(fx.db(), "test", now, 60'000, 10);
  REQUIRE_OK(claimed);
  REQUIRE(claimed->size() == 3);
  for (const auto& action : *claimed) {
    const auto asked = fx.run_approval(action.id);
    CHECK(asked.result == aol::adapter_outcome::kind::needs_decision);
    CHECK(asked.error.find("approve or reject reply") != std::string::npos);
    REQUIRE_OK(request_decision(fx.db(), action.id, action.lease_token, now));
  }
  REQUIRE_OK(decide_action(fx.db(), *fx.decision(approved).aol_action_id, "approve", now));
  REQUIRE_OK(decide_action(fx.db(), *fx.decision(rejected).aol_action_id, "reject", now));
  CHECK(fx.run_approval(*fx.decision(approved).aol_action_id).result == aol::adapter_outcome::kind::succeeded);
  CHECK(fx.run_approval(*fx.decision(rejected).aol_action_id).result == aol::adapter_outcome::kind::succeeded);
  auto timed_out = skip_expired_decisions(fx.db(), now + 2, 1);
  REQUIRE_OK(timed_out);
  CHECK(*timed_out == 1);
  auto settled = pipeline::settle_approvals(fx.db(), fx.config, now + 3);
  REQUIRE_OK(settled);
  CHECK(*settled == 1);

  CHECK(fx.decision(approved).status == decision_status::queued);
  CHECK(fx.decision(rejected).status == decision_status::skipped);
  CHECK(fx.decision(rejected).skip_reason == std::optional<std::string>("rejected"));
  CHECK(fx.decision(ignored).status == decision_status::skipped);
  CHECK(fx.decision(ignored).skip_reason == std::optional<std::string>("approval_timeout"));
  auto runner = fx.runner();
  fx.run_job("posting");
  fx.tick(runner);
  CHECK(fx.posted_ids() == std::vector<std::string>{approved});
}

TEST_CASE("the harvester harvests only with HARVESTING_ENABLED, records each target once, and follows the freshness policy") {
  const backend kind = GENERATE(from_range(test_backends()));
  reply_fixture fx(kind, {{"SIM_DRIVER_HARVEST_COUNT", "6"}});
  captured_log log;
  auto off = live_replies(true);
  off.harvesting_enabled = false;
  fx.set_flags(off);
  CHECK(fx.run_job("harvest").summary == "harvesting is off (HARVESTING_ENABLED=false)");
  CHECK(fx.count("SELECT COUNT(*) FROM reply_opportunities") == 0);
  CHECK_THAT(stage_reasons(fx.report(), "harvester"), Catch::Contains("harvesting is off"));

  fx.set_flags(live_replies(true));
  CHECK_THAT(fx.run_job("harvest").summary, Catch::StartsWith("harvested 2 accounts, 12 new opportunities"));
  CHECK(fx.count("SELECT COUNT(*) FROM reply_opportunities WHERE account_id = 'acct-1'") == 6);
  CHECK(fx.count("SELECT COUNT(*) FROM reply_opportunities WHERE target_posted_at IS NULL") == 0);
  CHECK(fx.count("SELECT COUNT(*) FROM reply_opportunities WHERE author_followers > 0") > 0);
  CHECK(log.count("[HARVESTER] account=acct-2 items=6 new=6") == 1);

  // Enough fresh ones: the policy skips; in between, it waits 2 to 4 hours.
  fx.config.content.reply.harvest_now_below = 0;
  fx.config.content.reply.harvest_skip_at = 1;
  fx.reconfigure();
  fx.clock.advance(minute_ms);
  CHECK_THAT(fx.run_job("harvest").summary, Catch::StartsWith("harvested 0 accounts, 0 new opportunities, 2 not due"));
  fx.config.content.reply.harvest_skip_at = 1000;
  fx.reconfigure();
  CHECK_THAT(fx.run_job("harvest").summary, Catch::StartsWith("harvested 0 accounts, 0 new opportunities, 2 not due"));
  fx.clock.advance(4 * 3'600'000);
  CHECK_THAT(fx.run_job("harvest").summary, Catch::StartsWith("harvested 2 accounts"));
}

TEST_CASE("whoami answering not logged in stops harvesting and shows the account, until a good whoami clears it") {
  const backend kind = GENERATE(from_range(test_backends()));
  temporary_directory flags_dir;
  const auto logged_out = (flags_dir.path() / "logged-out").string();
  reply_fixture fx(kind, {{"SIM_DRIVER_LOGGED_OUT_FILE", logged_out}});
  captured_log log;
  fx.set_flags(live_replies(true));
  std::ofstream(logged_out) << "logged out\n";
  CHECK_THAT(fx.run_job("harvest").summary, Catch::Contains("2 auth required"));
  CHECK(fx.count("SELECT COUNT(*) FROM reply_opportunities") == 0);
  CHECK(log.count("[HARVESTER_AUTH] ok=false account=acct-1") == 1);
  auto marked = store::auth_required_accounts(fx.db());
  REQUIRE_OK(marked);
  REQUIRE(marked->size() == 2);
  CHECK(marked->front().account_id == "acct-1");
  auto report = fx.report();
  CHECK(report.at("auth_required").as_array().size() == 2);
  CHECK_THAT(stage_reasons(report, "harvester"), Catch::Contains("auth required: acct-1"));

  // While marked, an account is asked again each run, even when the freshness
  // policy would not harvest it now.
  fx.config.content.reply.harvest_now_below = 0;
  fx.config.content.reply.harvest_skip_at = 0;
  fx.reconfigure();
  CHECK_THAT(fx.run_job("harvest").summary, Catch::Contains("2 auth required"));
  std::filesystem::remove(logged_out);
  fx.clock.advance(minute_ms);
  CHECK_THAT(fx.run_job("harvest").summary, Catch::StartsWith("harvested 0 accounts, 0 new opportunities, 2 not due"));
  auto cleared_first = store::auth_required_accounts(fx.db());
  REQUIRE_OK(cleared_first);
  CHECK(cleared_first->empty());
  fx.config.content.reply.harvest_now_below = 50;
  fx.config.content.reply.harvest_skip_at = 200;
  fx.reconfigure();
  CHECK_THAT(fx.run_job("harvest").summary, Catch::StartsWith("harvested 2 accounts"));
  CHECK(log.count("[HARVESTER_AUTH] ok=true account=acct-1") == 1);
  auto cleared = store::auth_required_accounts(fx.db());
  REQUIRE_OK(cleared);
  CHECK(cleared->empty());
  CHECK(fx.report().at("auth_required").as_array().empty());
  CHECK(fx.count("SELECT COUNT(*) FROM reply_opportunities") > 0);
}

TEST_CASE("the scheduler schedules the planned replies of young targets and skips the stale ones") {
  const backend kind = GENERATE(from_range(test_backends()));
  reply_fixture fx(kind);
  fx.set_flags(live_replies(true));
  fx.config.content.reply.schedule_per_run = 2;
  fx.config.content.reply.spacing_ms = 10 * minute_ms;
  fx.reconfigure();
  const auto now = fx.clock.now();
  const auto add = [&](const std::string& id, std::int64_t age_hours, std::int64_t followers) {
    store::new_reply_opportunity found;
    found.account_id = "acct-1";
    found.target_post_id = "t-" + id;
    found.discovered_at_ms = now;
    found.metrics.posted_at_ms = now - age_hours * 3'600'000;
    found.metrics.author_followers = followers;
    auto opportunity = store::insert_opportunity(fx.db(), found);
    REQUIRE_OK(opportunity);
    REQUIRE_OK(store::take_opportunity(fx.db(), **opportunity, id, now));
    content_decision decision;
    decision.decision_id = id;
    decision.account_id = "acct-1";
    decision.type = decision_type::reply;
    decision.content = "reply " + id;
    decision.status = decision_status::planned;
    decision.pipeline_source = "reply_v2_planner";
    decision.target_post_id = found.target_post_id;
    REQUIRE_OK(insert_decision(fx.db(), decision, now));
  };
  add("best", 0, 100'000);
  add("second", 2, 1000);
  add("third", 10, 10);
  add("stale", 30, 1'000'000);
  CHECK(fx.run_job("schedule").summary == "scheduled 2, skipped 1 stale, 1 left planned");
  CHECK(fx.decision("best").status == decision_status::scheduled);
  CHECK(fx.decision("best").scheduled_at_ms == std::optional<std::int64_t>(now));
  CHECK(fx.decision("second").scheduled_at_ms == std::optional<std::int64_t>(now + 10 * minute_ms));
  CHECK(fx.decision("second").pipeline_source == "reply_v2_scheduler");
  CHECK(fx.decision("third").status == decision_status::planned);
  CHECK(fx.decision("stale").status == decision_status::skipped);
  CHECK(fx.decision("stale").skip_reason == std::optional<std::string>("stale_target"));
  // The next run places the third after the account's last scheduled reply.
  CHECK(fx.run_job("schedule").summary == "scheduled 1, skipped 0 stale, 0 left planned");
  CHECK(fx.decision("third").scheduled_at_ms == std::optional<std::int64_t>(now + 20 * minute_ms));
}
