// The reply pipeline's stages in the store: planned -> scheduled ->
// posting_attempt (a claim) -> the preflight's answer, the jobs' last runs,
// the harvester's view of each account, and the numbers `troupe diag`
// reports. On SQLite and PostgreSQL.
#include <boost/json.hpp>

#include "runtime/store/content_decisions.hpp"
#include "runtime/store/harvester_accounts.hpp"
#include "runtime/store/job_runs.hpp"
#include "runtime/store/posted_decisions.hpp"
#include "runtime/store/reply_opportunities.hpp"
#include "runtime/store/reply_pipeline_stats.hpp"
#include "tests/store/decision_rows.hpp"
#include "tests/store/scratch_database.hpp"
#include "tests/support/fixed_time.hpp"

using namespace troupe::store;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

constexpr std::int64_t minute = 60'000;

// A planned reply of `account` to `target`, with the opportunity it took.
void plan_reply(database& db, const std::string& id, const std::string& account, const std::string& target) {
  new_reply_opportunity found;
  found.account_id = account;
  found.target_post_id = target;
  found.discovered_at_ms = t0;
  auto opportunity = insert_opportunity(db, found);
  REQUIRE_OK(opportunity);
  REQUIRE(opportunity->has_value());
  REQUIRE_OK(take_opportunity(db, **opportunity, id, t0));
  content_decision decision;
  decision.decision_id = id;
  decision.account_id = account;
  decision.type = decision_type::reply;
  decision.content = "a reply, " + id;
  decision.status = decision_status::planned;
  decision.pipeline_source = "reply_v2_planner";
  decision.target_post_id = target;
  REQUIRE_OK(insert_decision(db, decision, t0));
}

std::vector<std::string> claim(database& db, std::int64_t now, int limit = 10) {
  auto claimed = claim_scheduled_replies(db, now, limit, now - 5 * minute);
  REQUIRE_OK(claimed);
  std::vector<std::string> ids;
  for (const auto& decision : *claimed) {
    CHECK(decision.status == decision_status::posting_attempt);
    CHECK(decision.claimed_at_ms == std::optional<std::int64_t>(now));
    ids.push_back(decision.decision_id);
  }
  return ids;
}

void schedule(database& db, const std::string& id, std::int64_t at) {
  auto moved = schedule_decision(db, id, at, "reply_v2_scheduler", t0);
  REQUIRE_OK(moved);
  REQUIRE(*moved);
}

}  // namespace

TEST_CASE("a planned reply is scheduled once, claimed when due, and reclaimed only once its claim is stale") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  plan_reply(db, "r-1", "a1", "t-1");
  plan_reply(db, "r-2", "a1", "t-2");
  plan_reply(db, "r-3", "a2", "t-3");
  schedule(db, "r-1", t0 + minute);
  schedule(db, "r-2", t0 + 3 * minute);
  auto again = schedule_decision(db, "r-1", t0, "reply_v2_scheduler", t0);
  REQUIRE_OK(again);
  CHECK_FALSE(*again);  // scheduled already
  CHECK(loaded_decision(db, "r-1").pipeline_source == "reply_v2_scheduler");
  CHECK(loaded_decision(db, "r-1").scheduled_at_ms == std::optional<std::int64_t>(t0 + minute));
  CHECK(loaded_decision(db, "r-3").status == decision_status::planned);

  CHECK(claim(db, t0).empty());  // nothing due yet
  CHECK(claim(db, t0 + minute) == std::vector<std::string>{"r-1"});
  CHECK(claim(db, t0 + 2 * minute).empty());  // r-1 is claimed, r-2 not due
  CHECK(claim(db, t0 + 3 * minute) == std::vector<std::string>{"r-2"});
  // r-1's executor died: after 5 minutes its claim is taken again.
  CHECK(claim(db, t0 + 6 * minute + 1) == std::vector<std::string>{"r-1"});
  CHECK_FALSE(claim_scheduled_replies(db, t0, 0, t0).ok());

  // planned -> queued is not a move; posting_attempt -> queued is.
  CHECK_FALSE(set_decision_status(db, "r-3", decision_status::queued, std::nullopt, t0).ok());
  REQUIRE_OK(set_decision_status(db, "r-2", decision_status::queued, std::nullopt, t0));
  REQUIRE_OK(set_decision_status(db, "r-3", decision_status::skipped, std::string("stale_target"), t0));
}

TEST_CASE("a claimed reply records its preflight answer in its column and its features") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  plan_reply(db, "r-1", "a1", "t-1");
  auto not_claimed = record_preflight(db, "r-1", "ok", t0);
  REQUIRE_OK(not_claimed);
  CHECK_FALSE(*not_claimed);
  schedule(db, "r-1", t0);
  REQUIRE(claim(db, t0).size() == 1);
  CHECK_FALSE(record_preflight(db, "r-1", "maybe", t0).ok());
  auto recorded = record_preflight(db, "r-1", "deleted", t0 + 1);
  REQUIRE_OK(recorded);
  CHECK(*recorded);
  const auto decision = loaded_decision(db, "r-1");
  CHECK(decision.runtime_preflight_status == std::optional<std::string>("deleted"));
  const auto features = boost::json::parse(decision.features_json).as_object();
  CHECK(features.at("runtime_preflight_status").as_string() == "deleted");
}

TEST_CASE("a posted reply marks its opportunity replied_to, and the numbers of diag count the stages") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  plan_reply(db, "r-ok", "a1", "t-ok");
  plan_reply(db, "r-gone", "a1", "t-gone");
  plan_reply(db, "r-due", "a2", "t-due");
  plan_reply(db, "r-planned", "a2", "t-planned");
  for (const auto* id : {"r-ok", "r-gone"}) schedule(db, id, t0);
  REQUIRE(claim(db, t0).size() == 2);
  schedule(db, "r-due", t0 + minute);
  REQUIRE_OK(record_preflight(db, "r-ok", "ok", t0));
  REQUIRE_OK(record_preflight(db, "r-gone", "deleted", t0));
  REQUIRE_OK(set_decision_status(db, "r-ok", decision_status::queued, std::nullopt, t0));
  REQUIRE_OK(set_decision_status(db, "r-ok", decision_status::posting, std::nullopt, t0));
  auto posted = record_post(db, "r-ok", "platform-1", t0 + minute);
  REQUIRE_OK(posted);
  REQUIRE(*posted);
  auto opportunity = opportunity_of_decision(db, "r-ok");
  REQUIRE_OK(opportunity);
  CHECK((*opportunity)->replied_to);

  auto stats = read_reply_pipeline_stats(db, t0 + 2 * minute, 10);
  REQUIRE_OK(stats);
  std::map<std::pair<std::string, std::string>, std::int64_t> counts;
  for (const auto& row : stats->decisions) counts[{row.pipeline_source, row.status}] = row.count;
  CHECK(counts[{"reply_v2_planner", "planned"}] == 1);
  CHECK(counts[{"reply_v2_scheduler", "scheduled"}] == 1);
  CHECK(counts[{"reply_v2_scheduler", "posting_attempt"}] == 1);
  CHECK(counts[{"reply_v2_scheduler", "posted"}] == 1);
  CHECK(stats->preflights == std::map<std::string, std::int64_t>{{"deleted", 1}, {"ok", 1}});
  CHECK(stats->recent_preflights.size() == 2);
  CHECK(stats->last_claim_ms == std::optional<std::int64_t>(t0));
  CHECK(stats->due_scheduled == 1);
  REQUIRE(stats->last_reply_success);
  CHECK(stats->last_reply_success->decision_id == "r-ok");
  CHECK(stats->last_reply_success->platform_post_id == "platform-1");
  CHECK(stats->last_reply_success->at_ms == t0 + minute);
}

TEST_CASE("a job's last run replaces the one before, and the last success stays through a failure") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  REQUIRE_OK(record_job_run(db, {"harvest", "harvest-1", t0, t0 + 5, true, "harvested 1", std::nullopt}));
  REQUIRE_OK(record_job_run(db, {"harvest", "harvest-2", t0 + minute, t0 + minute + 5, false, "boom", std::nullopt}));
  REQUIRE_OK(record_job_run(db, {"execute", "execute-1", t0, t0 + 1, true, "claimed 0", std::nullopt}));
  CHECK_FALSE(record_job_run(db, {"", "x", t0, t0, true, "", std::nullopt}).ok());
  auto runs = load_job_runs(db);
  REQUIRE_OK(runs);
  REQUIRE(runs->size() == 2);
  const auto& execute = (*runs)[0];
  const auto& harvest = (*runs)[1];
  CHECK(execute.job == "execute");
  CHECK(harvest.run_id == "harvest-2");
  CHECK_FALSE(harvest.succeeded);
  CHECK(harvest.summary == "boom");
  CHECK(harvest.finished_at_ms == t0 + minute + 5);
  CHECK(harvest.last_success_at_ms == std::optional<std::int64_t>(t0 + 5));
}

TEST_CASE("an account is auth-required from its first not-logged-in whoami until one succeeds again") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  REQUIRE_OK(record_harvest(db, "a1", 4, t0));
  REQUIRE_OK(record_whoami(db, "a1", false, "whoami: logged_in=false", t0 + minute));
  REQUIRE_OK(record_whoami(db, "a1", false, "whoami: logged_in=false", t0 + 2 * minute));
  REQUIRE_OK(record_whoami(db, "a2", true, "", t0));
  auto marked = auth_required_accounts(db);
  REQUIRE_OK(marked);
  REQUIRE(marked->size() == 1);
  CHECK(marked->front().account_id == "a1");
  CHECK(marked->front().logged_out_since_ms == std::optional<std::int64_t>(t0 + minute));
  CHECK(marked->front().checked_at_ms == std::optional<std::int64_t>(t0 + 2 * minute));
  CHECK(marked->front().last_harvest_at_ms == std::optional<std::int64_t>(t0));
  CHECK(marked->front().last_harvest_count == 4);

  REQUIRE_OK(record_whoami(db, "a1", true, "", t0 + 3 * minute));
  auto cleared = auth_required_accounts(db);
  REQUIRE_OK(cleared);
  CHECK(cleared->empty());
  auto a1 = load_harvester_account(db, "a1");
  REQUIRE_OK(a1);
  REQUIRE(a1->has_value());
  CHECK((*a1)->logged_in);
  CHECK_FALSE((*a1)->logged_out_since_ms);
  CHECK((*a1)->reason.empty());
  CHECK_FALSE(record_whoami(db, "", true, "", t0).ok());
}
