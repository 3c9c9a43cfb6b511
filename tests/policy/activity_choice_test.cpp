// The planner's weighted activity choice: weights, gates and the draw.
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "policy_fixtures.hpp"
#include "runtime/policy/planner.hpp"

using namespace troupe::policy;
using namespace troupe::policy::testing;
using troupe::account_state;
using troupe::config::troupe_config;

namespace {

std::map<std::string, double> weights_by_name(const account_state& state,
                                              const troupe_config& config,
                                              const plan_context& context) {
  std::map<std::string, double> weights;
  for (const auto& entry : activity_weights(state, config, context)) {
    weights[entry.activity->name] = entry.weight;
  }
  return weights;
}

// The share of each activity over `draws` plans from one seeded generator.
std::map<std::string, double> choice_shares(const account_state& state, const troupe_config& config,
                                            const plan_context& context, int draws) {
  rng random{2024};
  std::map<std::string, double> shares;
  for (int i = 0; i < draws; ++i) {
    const auto decision = plan_session(state, config, context, random);
    REQUIRE(decision.goes());
    shares[decision.plan().activity] += 1.0 / draws;
  }
  return shares;
}

void check_shares_match(const std::map<std::string, double>& shares,
                        const std::map<std::string, double>& weights) {
  double total = 0;
  for (const auto& [name, weight] : weights) total += weight;
  for (const auto& [name, weight] : weights) {
    INFO(name << " weight " << weight << " of " << total);
    const auto found = shares.find(name);
    const double share = found != shares.end() ? found->second : 0.0;
    CHECK(share == Approx(weight / total).margin(0.012));
  }
}

std::string skip_of(const account_state& state, const troupe_config& config,
                    const plan_context& context) {
  rng random{1};
  const auto decision = plan_session(state, config, context, random);
  return decision.goes() ? "go" : std::string(to_string(decision.reason()));
}

}  // namespace

TEST_CASE("weights are base weights times the mood's multipliers", "[planner][weights]") {
  const troupe_config config;
  const auto noon = context_at(config, day_drift_noon());  // DayDrift: reels x1.2
  auto state = rested_account(noon);
  state.done_today["follow"] = 50;
  const auto day_drift = weights_by_name(state, config, noon);
  CHECK(day_drift.at("follow") == Approx(0.35));
  CHECK(day_drift.at("unfollow") == Approx(0.20));
  CHECK(day_drift.at("reels") == Approx(0.96));
  CHECK(day_drift.at("stories") == Approx(0.10));

  const auto evening = context_at(config, utc_ms(2024, 5, 15, 18, 0));  // EveningSpree
  const auto spree = weights_by_name(state, config, evening);
  CHECK(spree.at("follow") == Approx(0.315));
  CHECK(spree.at("reels") == Approx(1.04));
  CHECK(spree.at("stories") == Approx(0.15));
}

TEST_CASE("without a mood, or without a multiplier for an activity, the multiplier is 1",
          "[planner][weights]") {
  troupe_config config;
  auto context = context_at(config, day_drift_noon());
  context.mood = nullptr;
  const auto state = rested_account(context);
  CHECK(weights_by_name(state, config, context).at("reels") == Approx(0.80));
  context = context_at(config, day_drift_noon());
  config.moods[1].weights.erase("reels");
  context.mood = &config.moods[1];
  CHECK(weights_by_name(state, config, context).at("reels") == Approx(0.80));
}

TEST_CASE("activities are drawn in proportion to their weights", "[planner][weights]") {
  const troupe_config config;
  const auto noon = context_at(config, day_drift_noon());
  auto state = rested_account(noon);
  check_shares_match(choice_shares(state, config, noon, 20'000),
                     {{"follow", 0.35}, {"unfollow", 0.0}, {"reels", 0.96}, {"stories", 0.10}});
  state.done_today["follow"] = 60;
  state.starts_today["stories"] = 2;                                  // fluid: 0.10 / 1.6
  const auto night = context_at(config, utc_ms(2024, 5, 15, 23, 0));  // LateNightLurk
  check_shares_match(choice_shares(state, config, night, 20'000),
                     {{"follow", 0.245}, {"unfollow", 0.30}, {"reels", 0.80}, {"stories", 0.05}});
}

TEST_CASE("an unfollow is never planned before followsToday reaches the threshold",
          "[planner][unfollow]") {
  const troupe_config config;
  const auto noon = context_at(config, day_drift_noon());
  auto state = rested_account(noon);
  state.done_today["follow"] = config.unfollow_trigger.threshold - 1;
  CHECK(weights_by_name(state, config, noon).at("unfollow") == 0.0);
  CHECK(choice_shares(state, config, noon, 5'000).count("unfollow") == 0);

  state.done_today["follow"] = config.unfollow_trigger.threshold;
  CHECK(weights_by_name(state, config, noon).at("unfollow") == Approx(0.20));
  CHECK(choice_shares(state, config, noon, 5'000).at("unfollow") > 0.1);
}

TEST_CASE("when only the unfollow could run before the threshold, the skip is unfollowNotDue",
          "[planner][unfollow]") {
  troupe_config config;
  config.base_weights = {{"unfollow", 0.2}};
  const auto noon = context_at(config, day_drift_noon());
  auto state = rested_account(noon);
  CHECK(skip_of(state, config, noon) == "unfollowNotDue");
  state.done_today["follow"] = 50;
  CHECK(skip_of(state, config, noon) == "go");
}

TEST_CASE("fluid stories weigh w / (1 + rarityBias x startsToday)", "[planner][stories]") {
  const troupe_config config;  // rarityBias 0.3
  const auto noon = context_at(config, day_drift_noon());
  auto state = rested_account(noon);
  CHECK(weights_by_name(state, config, noon).at("stories") == Approx(0.10));
  state.starts_today["stories"] = 1;
  CHECK(weights_by_name(state, config, noon).at("stories") == Approx(0.10 / 1.3));
  state.starts_today["stories"] = 4;
  CHECK(weights_by_name(state, config, noon).at("stories") == Approx(0.10 / 2.2));

  troupe_config fixed = config;
  fixed.stories_policy.mode = "fixed";
  CHECK(weights_by_name(state, fixed, noon).at("stories") == Approx(0.10));
}

TEST_CASE("stories weigh 0 within minGapMs of the last stories start, in either mode",
          "[planner][stories]") {
  troupe_config config;  // minGapMs 90 min
  const auto noon = context_at(config, day_drift_noon());
  auto state = rested_account(noon);
  state.last_start_at_ms["stories"] = noon.now_ms - 90 * minute_ms + 1;
  CHECK(weights_by_name(state, config, noon).at("stories") == 0.0);
  config.stories_policy.mode = "fixed";
  CHECK(weights_by_name(state, config, noon).at("stories") == 0.0);
  state.last_start_at_ms["stories"] = noon.now_ms - 90 * minute_ms;
  CHECK(weights_by_name(state, config, noon).at("stories") == Approx(0.10));
}

TEST_CASE("when only stories could run within the gap, the skip is storiesTooSoon",
          "[planner][stories]") {
  troupe_config config;
  config.base_weights = {{"stories", 0.1}};
  const auto noon = context_at(config, day_drift_noon());
  auto state = rested_account(noon);
  state.last_start_at_ms["stories"] = noon.now_ms - 10 * minute_ms;
  CHECK(skip_of(state, config, noon) == "storiesTooSoon");
}

TEST_CASE("an exhausted targets file zeroes the targets activity, which alone skips with noTargets",
          "[planner][targets]") {
  troupe_config config;
  REQUIRE(config.activities[0].name == "follow");
  config.activities[0].consumes_targets = true;
  auto noon = context_at(config, day_drift_noon());
  const auto state = rested_account(noon);
  noon.targets = follow_targets{"targets/a1.txt", 0};
  CHECK(weights_by_name(state, config, noon).at("follow") == 0.0);
  CHECK(skip_of(state, config, noon) == "go");
  config.base_weights = {{"follow", 0.35}};
  CHECK(skip_of(state, config, noon) == "noTargets");
  noon.targets->remaining = 1;
  CHECK(skip_of(state, config, noon) == "go");
  noon.targets.reset();  // no targets file: unlimited
  CHECK(skip_of(state, config, noon) == "go");
}

TEST_CASE("a targets session gets --targets FILE --cursor N", "[planner][targets]") {
  troupe_config config;
  config.base_weights = {{"follow", 0.35}};
  config.activities[0].consumes_targets = true;
  auto noon = context_at(config, day_drift_noon());
  auto state = rested_account(noon);
  state.targets_cursor = 37;
  noon.targets = follow_targets{"targets/a1.txt", 200};
  rng random{5};
  const auto decision = plan_session(state, config, noon, random);
  REQUIRE(decision.goes());
  CHECK(decision.plan().extra_args ==
        std::vector<std::string>{"--targets", "targets/a1.txt", "--cursor", "37"});
  noon.targets.reset();
  CHECK(plan_session(state, config, noon, random).plan().extra_args.empty());
}

TEST_CASE("when every positive weight is gated, the reason is the gate of the most wanted activity",
          "[planner][weights]") {
  troupe_config config;
  config.base_weights = {{"unfollow", 0.2}, {"stories", 0.1}};
  const auto noon = context_at(config, day_drift_noon());
  auto state = rested_account(noon);
  state.last_start_at_ms["stories"] = noon.now_ms;
  CHECK(skip_of(state, config, noon) == "unfollowNotDue");
  config.base_weights = {{"unfollow", 0.1}, {"stories", 0.2}};
  CHECK(skip_of(state, config, noon) == "storiesTooSoon");
  config.base_weights = {{"unfollow", 0.2}, {"stories", 0.2}};  // a tie: config order
  CHECK(skip_of(state, config, noon) == "unfollowNotDue");
}

TEST_CASE("when no activity had any weight to begin with, the skip is notEligible",
          "[planner][weights]") {
  troupe_config config;
  for (auto& [name, multiplier] : config.moods[1].weights) multiplier = 0.0;  // DayDrift
  const auto noon = context_at(config, day_drift_noon());
  REQUIRE(noon.mood->name == "DayDrift");
  CHECK(skip_of(rested_account(noon), config, noon) == "notEligible");
}

TEST_CASE("count and seconds are drawn uniformly from their inclusive ranges",
          "[planner][ranges]") {
  troupe_config config;
  config.activities = {counted_activity("like", 2, 4), timed_activity("browse", 30, 32)};
  config.base_weights = {{"like", 1.0}, {"browse", 1.0}};
  const auto noon = context_at(config, day_drift_noon());
  const auto state = rested_account(noon);
  rng random{6};
  std::map<std::int64_t, int> counts;
  std::map<std::int64_t, int> seconds;
  for (int i = 0; i < 6'000; ++i) {
    const auto plan = plan_session(state, config, noon, random).plan();
    if (plan.activity == "like") {
      REQUIRE(plan.count);
      REQUIRE_FALSE(plan.seconds);
      counts[*plan.count] += 1;
    } else {
      REQUIRE(plan.seconds);
      REQUIRE_FALSE(plan.count);
      seconds[*plan.seconds] += 1;
    }
  }
  CHECK(counts.size() == 3);
  CHECK(counts.begin()->first == 2);
  CHECK(counts.rbegin()->first == 4);
  CHECK(seconds.size() == 3);
  CHECK(seconds.begin()->first == 30);
  CHECK(seconds.rbegin()->first == 32);
  for (const auto& [value, times] : counts) CHECK(times == Approx(1'000).epsilon(0.15));
}

TEST_CASE("a plan names the mood it was made in", "[planner]") {
  const troupe_config config;
  auto noon = context_at(config, day_drift_noon());
  rng random{7};
  CHECK(plan_session(rested_account(noon), config, noon, random).plan().mood == "DayDrift");
  noon.mood = nullptr;
  CHECK(plan_session(rested_account(noon), config, noon, random).plan().mood.empty());
}

TEST_CASE("activities are data: gates follow the config's names, not the reference four",
          "[planner][weights]") {
  troupe_config config;
  config.activities = {counted_activity("like", 1, 3), counted_activity("unlike", 1, 3),
                       timed_activity("browse", 60, 90), timed_activity("peek", 10, 20)};
  config.activities[0].consumes_targets = true;
  config.base_weights = {{"like", 0.5}, {"unlike", 0.3}, {"browse", 0.2}, {"peek", 0.4}};
  config.unfollow_trigger.activity = "unlike";
  config.unfollow_trigger.counts = "like";
  config.unfollow_trigger.threshold = 10;
  config.stories_policy.activity = "peek";
  config.moods.clear();
  auto noon = context_at(config, day_drift_noon());
  REQUIRE(noon.mood == nullptr);
  auto state = rested_account(noon);
  state.done_today["like"] = 9;
  state.starts_today["peek"] = 5;  // 0.4 / (1 + 0.3 x 5) = 0.16
  auto weights = weights_by_name(state, config, noon);
  CHECK(weights.at("like") == Approx(0.5));
  CHECK(weights.at("unlike") == 0.0);
  CHECK(weights.at("browse") == Approx(0.2));
  CHECK(weights.at("peek") == Approx(0.16));

  state.done_today["like"] = 10;
  state.last_start_at_ms["peek"] = noon.now_ms - minute_ms;
  noon.targets = follow_targets{"likes.txt", 0};
  weights = weights_by_name(state, config, noon);
  CHECK(weights.at("like") == 0.0);
  CHECK(weights.at("unlike") == Approx(0.3));
  CHECK(weights.at("peek") == 0.0);
  check_shares_match(choice_shares(state, config, noon, 10'000),
                     {{"like", 0.0}, {"unlike", 0.3}, {"browse", 0.2}, {"peek", 0.0}});
}
