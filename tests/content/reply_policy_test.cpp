// The reply pipeline's policy: the harvester's freshness policy, the
// scheduler's ranking and schedule, and the stages' verdicts.
#include "runtime/content/reply_policy.hpp"

#include <catch2/catch.hpp>

#include "runtime/content/pipeline_health.hpp"
#include "runtime/time_units.hpp"

using namespace troupe;
using namespace troupe::content;

namespace {

constexpr std::int64_t policy_now_ms = 1'780'300'800'000;
using troupe::time_units::hour_ms;
using troupe::time_units::minute_ms;

harvest_verdict decide(std::int64_t fresh, std::optional<std::int64_t> last, std::uint64_t seed = 1) {
  policy::rng random(seed);
  return decide_harvest(fresh, last, policy_now_ms, config::reply_pipeline_config{}, random);
}

reply_candidate candidate(const std::string& id, std::int64_t age_hours, std::int64_t followers,
                          std::optional<double> er = std::nullopt, const std::string& account = "a1") {
  return {id, account, policy_now_ms - age_hours * hour_ms, followers, er};
}

}  // namespace

TEST_CASE("the freshness policy harvests below 50 fresh, skips from 200, and in between every 2 to 4 hours") {
  CHECK(decide(0, policy_now_ms).action == harvest_action::harvest_now);
  CHECK(decide(49, policy_now_ms).action == harvest_action::harvest_now);
  CHECK(decide(49, policy_now_ms).reason == "fresh_12h=49 < 50");
  CHECK(decide(200, std::nullopt).action == harvest_action::skip);
  CHECK(decide(500, policy_now_ms - 10 * hour_ms).action == harvest_action::skip);
  CHECK(decide(200, std::nullopt).reason == "fresh_12h=200 >= 200");

  CHECK(decide(50, std::nullopt).action == harvest_action::harvest_now);  // never harvested
  CHECK(decide(120, policy_now_ms - 4 * hour_ms).action == harvest_action::harvest_now);
  CHECK(decide(120, policy_now_ms - 2 * hour_ms + minute_ms).action == harvest_action::wait);
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const auto last = policy_now_ms - 30 * minute_ms;
    const auto verdict = decide(120, last, seed);
    REQUIRE(verdict.action == harvest_action::wait);
    REQUIRE(verdict.due_ms);
    CHECK(*verdict.due_ms >= last + 2 * hour_ms);
    CHECK(*verdict.due_ms <= last + 4 * hour_ms);
    CHECK(decide(120, last, seed).due_ms == verdict.due_ms);  // the same draw, run after run
  }
}

TEST_CASE("the scheduler ranks fresher targets, wider reach and higher predicted engagement first") {
  const auto ranked =
      rank_candidates({candidate("old-famous", 20, 1'000'000), candidate("fresh-small", 0, 10),
                       candidate("fresh-famous", 0, 1'000'000), candidate("mid", 4, 1000)},
                      policy_now_ms);
  REQUIRE(ranked.size() == 4);
  CHECK(ranked[0].candidate.decision_id == "fresh-famous");
  CHECK(ranked[0].freshness == Approx(1.0));
  CHECK(ranked[0].reach == Approx(1.0));
  CHECK(ranked[0].score == Approx(0.5 + 0.3 + 0.2 * 0.5));  // nothing predicted: neutral engagement
  const auto mid = std::find_if(ranked.begin(), ranked.end(),
                                [](const ranked_candidate& r) { return r.candidate.decision_id == "mid"; });
  CHECK(mid->freshness == Approx(0.5));  // halves every 4 h
  CHECK(mid->reach == Approx(std::log10(1001.0) / 6));

  const auto by_engagement = rank_candidates(
      {candidate("low", 1, 100, 0.001), candidate("high", 1, 100, 0.08)}, policy_now_ms);
  CHECK(by_engagement[0].candidate.decision_id == "high");
  CHECK(by_engagement[0].engagement == Approx(1.0));
  CHECK(by_engagement[1].engagement == Approx(0.02));
}

TEST_CASE("the scheduler schedules the best few, spaces each account's replies and drops stale targets") {
  config::reply_pipeline_config settings;
  settings.schedule_per_run = 3;
  settings.spacing_ms = 10 * minute_ms;
  settings.max_target_age_hours = 24;
  const std::vector<reply_candidate> candidates{
      candidate("a1-fresh", 0, 5000, std::nullopt, "a1"), candidate("a1-next", 1, 5000, std::nullopt, "a1"),
      candidate("a2-fresh", 0, 4000, std::nullopt, "a2"), candidate("a2-worst", 20, 10, std::nullopt, "a2"),
      candidate("a1-stale", 25, 1'000'000, std::nullopt, "a1")};
  // a2 has a reply scheduled already, 5 minutes from now.
  const auto plan =
      plan_schedule(candidates, {{"a2", policy_now_ms + 5 * minute_ms}}, policy_now_ms, settings);
  REQUIRE(plan.stale.size() == 1);
  CHECK(plan.stale.front().decision_id == "a1-stale");
  REQUIRE(plan.scheduled.size() == 3);
  std::map<std::string, std::int64_t> at;
  for (const auto& chosen : plan.scheduled) at[chosen.ranked.candidate.decision_id] = chosen.at_ms;
  CHECK(at.count("a2-worst") == 0);  // the worst waits for a later run
  CHECK(at["a1-fresh"] == policy_now_ms);
  CHECK(at["a1-next"] == policy_now_ms + 10 * minute_ms);
  CHECK(at["a2-fresh"] == policy_now_ms + 15 * minute_ms);
}

TEST_CASE("each stage of the reply pipeline says going_well or needs_attention and why") {
  reply_pipeline_view view;
  view.fresh_24h = 12;
  view.harvesting_enabled = true;
  view.every_ms = {{"harvest", 15 * minute_ms}, {"reply", 15 * minute_ms}, {"schedule", 10 * minute_ms},
                   {"execute", minute_ms}};
  view.last_runs = {{"harvest", {policy_now_ms - minute_ms, true, "ok"}},
                    {"reply", {policy_now_ms - 20 * minute_ms, true, "ok"}},
                    {"schedule", {policy_now_ms - 5 * minute_ms, true, "ok"}},
                    {"execute", {policy_now_ms - minute_ms, true, "ok"}}};
  view.last_claim_ms = policy_now_ms - minute_ms;
  view.due_scheduled = 1;
  view.recent_preflights = {"deleted", "ok", "timeout"};
  for (const auto& stage : judge_reply_pipeline(view, policy_now_ms)) {
    INFO(stage.stage);
    CHECK(stage.going_well);
    CHECK(stage.reasons.empty());
  }

  auto troubled = view;
  troubled.fresh_24h = 0;
  troubled.auth_required_accounts = {"a2"};
  troubled.last_runs["reply"].finished_at_ms =
      policy_now_ms - 31 * minute_ms;  // more than 2 intervals of 15 min
  troubled.last_runs.erase("schedule");
  troubled.last_claim_ms = policy_now_ms - 6 * minute_ms;
  troubled.recent_preflights = {"deleted", "timeout", "error"};
  troubled.last_runs["execute"] = {policy_now_ms - minute_ms, false, "database is locked"};
  const auto stages = judge_reply_pipeline(troubled, policy_now_ms);
  REQUIRE(stages.size() == 4);
  const auto reasons = [&](std::size_t i) {
    std::string all;
    for (const auto& reason : stages[i].reasons) all += reason + "\n";
    return all;
  };
  CHECK_FALSE(stages[0].going_well);
  CHECK_THAT(reasons(0), Catch::Contains("no fresh opportunities"));
  CHECK_THAT(reasons(0), Catch::Contains("auth required: a2"));
  CHECK_THAT(reasons(1), Catch::Contains("idle for 31 min, more than 2 intervals of 15 min"));
  CHECK_THAT(reasons(2), Catch::Contains("job:schedule has no run recorded"));
  CHECK_THAT(reasons(3), Catch::Contains("1 scheduled replies are due and nothing was claimed in 5 min"));
  CHECK_THAT(reasons(3), Catch::Contains("no ok preflight in the last 3"));
  CHECK_THAT(reasons(3), Catch::Contains("its last run failed: database is locked"));

  auto nothing_due = view;
  nothing_due.due_scheduled = 0;
  nothing_due.last_claim_ms = std::nullopt;  // nothing to claim is not a problem
  CHECK(judge_reply_pipeline(nothing_due, policy_now_ms)[3].going_well);
}
