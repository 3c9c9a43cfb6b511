// The account's session lifecycle (runtime/account_lifecycle.hpp) without
// CAF: every transition from every state, with the effects it asks for.
#include <catch2/catch.hpp>

#include <algorithm>

#include "runtime/account_lifecycle.hpp"

using namespace troupe::lifecycle;
using troupe::config::troupe_config;
using troupe::policy::plan_decision;
using troupe::policy::session_plan;
using troupe::policy::skip_reason;

namespace {

const troupe_config& reference_config() {
  static const troupe_config config;  // follow, unfollow, reels, stories
  return config;
}

surroundings awake() { return {&reference_config(), false, std::nullopt}; }
surroundings asleep() { return {&reference_config(), true, std::nullopt}; }

// A config in which `activity` does not exist any more.
surroundings without_activity(const std::string& activity) {
  static troupe_config config;
  config = reference_config();
  config.activities.erase(std::remove_if(config.activities.begin(), config.activities.end(),
                                         [&](const auto& a) { return a.name == activity; }),
                          config.activities.end());
  return {&config, false, std::nullopt};
}

// A config whose recovery has only its first `steps` steps.
surroundings with_recovery_steps(std::size_t steps) {
  static troupe_config config;
  config = reference_config();
  config.recovery.steps.resize(steps);
  return {&config, false, std::nullopt};
}

// A config in which follow consumes targets, with `remaining` of them left.
surroundings with_targets(std::int64_t remaining) {
  static troupe_config config;
  config = reference_config();
  for (auto& activity : config.activities) activity.consumes_targets = activity.name == "follow";
  return {&config, false, remaining};
}

planned_session planned(const std::string& activity, bool requested = false) {
  session_plan plan;
  plan.activity = activity;
  return planned_session{plan, false, requested};
}

waiting waiting_for(const std::string& activity, bool requested = false) { return {planned(activity, requested), 7}; }

running running_one(const std::string& activity, bool requested = false) {
  return {planned(activity, requested), 11, "s-1", std::nullopt};
}

running running_with_queued(const std::string& queued_activity) {
  auto run = running_one("reels");
  run.queued = operator_request{queued_activity};
  return run;
}

recovering between_steps() { return recovering{}; }

recovering step_waiting(int index, const std::string& step) {
  recovering recovery;
  recovery.step = recovery_task{index, step};
  recovery.request_id = 9;
  return recovery;
}

recovering step_running(int index, const std::string& step) {
  recovering recovery;
  recovery.step = recovery_task{index, step};
  recovery.permit_id = 12;
  recovery.session_id = "r-1";
  return recovery;
}

template <class Effect>
std::vector<Effect> effects_of(const transition& t) {
  std::vector<Effect> found;
  for (const auto& effect : t.effects) {
    if (const auto* wanted = std::get_if<Effect>(&effect)) found.push_back(*wanted);
  }
  return found;
}

template <class State>
bool is(const transition& t) {
  return std::holds_alternative<State>(t.state);
}

std::string refusal_of(const transition& t) {
  const auto refusals = effects_of<refuse_request>(t);
  REQUIRE(refusals.size() == 1);
  return std::string(to_string(refusals.front().code));
}

std::string skip_of(const transition& t) {
  const auto skips = effects_of<record_skip>(t);
  REQUIRE(skips.size() == 1);
  return std::string(troupe::policy::to_string(skips.front().reason));
}

plan_decision go(const std::string& activity) { return plan_decision::go(planned(activity).plan); }

}  // namespace

TEST_CASE("refusal codes have the names of the session request contract", "[lifecycle]") {
  CHECK(to_string(refusal::sleep_window) == "sleep_window");
  CHECK(to_string(refusal::paused) == "paused");
  CHECK(to_string(refusal::needs_recovery) == "needs_recovery");
  CHECK(to_string(refusal::retiring) == "retiring");
  CHECK(to_string(refusal::unknown_activity) == "unknown_activity");
  CHECK(to_string(refusal::busy) == "busy");
  CHECK(to_string(refusal::not_here) == "not_here");
}

TEST_CASE("an account starts idle, or parked when its stored state needs recovery", "[lifecycle]") {
  CHECK(std::holds_alternative<idle>(initial_lifecycle(false)));
  CHECK(std::holds_alternative<parked>(initial_lifecycle(true)));
}

TEST_CASE("every state has its one-word status for the console", "[lifecycle]") {
  CHECK(status_of(idle{}) == "idle");
  CHECK(status_of(waiting_for("reels")) == "waiting");
  CHECK(status_of(running_one("reels")) == "running");
  CHECK(status_of(between_steps()) == "recovering");
  CHECK(status_of(parked{}) == "parked");
  CHECK(status_of(retiring{}) == "retiring");
}

TEST_CASE("only an idle or parked account consults its planner", "[lifecycle]") {
  CHECK(may_plan(idle{}));
  CHECK(may_plan(parked{}));
  CHECK_FALSE(may_plan(waiting_for("reels")));
  CHECK_FALSE(may_plan(running_one("reels")));
  CHECK_FALSE(may_plan(between_steps()));
  CHECK_FALSE(may_plan(retiring{}));
}

TEST_CASE("a permit is awaited by a waiting plan or a waiting recovery step only", "[lifecycle]") {
  CHECK(waits_for_permit(waiting_for("reels")));
  CHECK(waits_for_permit(step_waiting(0, "homepage")));
  CHECK_FALSE(waits_for_permit(step_running(0, "homepage")));
  CHECK_FALSE(waits_for_permit(idle{}));
  CHECK_FALSE(waits_for_permit(running_one("reels")));
}

TEST_CASE("a plan that goes waits for the permit it requests, and carries a due burst", "[lifecycle]") {
  const auto t = on_planned(idle{true}, go("reels"), 5);
  REQUIRE(is<waiting>(t));
  const auto& wait = std::get<waiting>(t.state);
  CHECK(wait.request_id == 5);
  CHECK(wait.session.burst);
  CHECK_FALSE(wait.session.requested);
  REQUIRE(effects_of<request_permit>(t).size() == 1);
  CHECK(effects_of<request_permit>(t).front().request_id == 5);
  CHECK_FALSE(effects_of<request_permit>(t).front().recovery);
}

TEST_CASE("a plan that skips records its reason and the burst moment passes", "[lifecycle]") {
  const auto t = on_planned(idle{true}, plan_decision::skip(skip_reason::energy_low), 5);
  REQUIRE(is<idle>(t));
  CHECK_FALSE(std::get<idle>(t.state).burst_next);
  CHECK(skip_of(t) == "energyLow");
  CHECK(effects_of<report_eligibility>(t).size() == 1);
}

TEST_CASE("a parked account's planner skip is recorded and it stays parked", "[lifecycle]") {
  const auto t = on_planned(parked{}, plan_decision::skip(skip_reason::needs_recovery), 5);
  CHECK(is<parked>(t));
  CHECK(skip_of(t) == "needsRecovery");
}

TEST_CASE("a plan is ignored while something is in flight", "[lifecycle]") {
  for (const account_lifecycle& busy : {account_lifecycle{waiting_for("reels")}, account_lifecycle{running_one("reels")},
                                        account_lifecycle{between_steps()}, account_lifecycle{retiring{}}}) {
    const auto t = on_planned(busy, go("follow"), 5);
    CHECK(t.effects.empty());
    CHECK(t.state.index() == busy.index());
  }
}

TEST_CASE("an elapsed cool-down sends a parked account into recovery", "[lifecycle]") {
  const auto t = on_cooldown_elapsed(parked{});
  CHECK(is<recovering>(t));
  CHECK(effects_of<need_recovery>(t).size() == 1);
  CHECK(on_cooldown_elapsed(idle{}).effects.empty());
}

TEST_CASE("a session request of an idle or waiting account is planned at once", "[lifecycle]") {
  CHECK(effects_of<plan_request>(on_session_request(idle{}, {"reels"}, awake())).size() == 1);
  CHECK(effects_of<plan_request>(on_session_request(waiting_for("follow"), {""}, awake())).size() == 1);
}

TEST_CASE("a session request waits behind the running session", "[lifecycle]") {
  const auto t = on_session_request(running_one("reels"), {"stories"}, awake());
  CHECK(t.effects.empty());
  REQUIRE(is<running>(t));
  REQUIRE(std::get<running>(t.state).queued);
  CHECK(std::get<running>(t.state).queued->activity == "stories");
  CHECK(has_request(t.state));
}

TEST_CASE("a session request that cannot run now is refused at once with its code", "[lifecycle]") {
  CHECK(refusal_of(on_session_request(retiring{}, {"reels"}, awake())) == "retiring");
  CHECK(refusal_of(on_session_request(waiting_for("reels", true), {"reels"}, awake())) == "busy");
  CHECK(refusal_of(on_session_request(running_one("reels", true), {"reels"}, awake())) == "busy");
  CHECK(refusal_of(on_session_request(running_with_queued("reels"), {"reels"}, awake())) == "busy");
  CHECK(refusal_of(on_session_request(idle{}, {"dancing"}, awake())) == "unknown_activity");
  CHECK(refusal_of(on_session_request(parked{}, {"reels"}, awake())) == "needs_recovery");
  CHECK(refusal_of(on_session_request(between_steps(), {"reels"}, awake())) == "needs_recovery");
  CHECK(refusal_of(on_session_request(step_running(0, "homepage"), {""}, awake())) == "needs_recovery");
  CHECK(refusal_of(on_session_request(idle{}, {"reels"}, asleep())) == "sleep_window");
  CHECK(refusal_of(on_session_request(running_one("reels"), {"reels"}, asleep())) == "sleep_window");
}

TEST_CASE("a refused session request leaves the state as it was", "[lifecycle]") {
  const auto t = on_session_request(waiting_for("reels", true), {"stories"}, awake());
  REQUIRE(is<waiting>(t));
  CHECK(std::get<waiting>(t.state).session.plan.activity == "reels");
}

TEST_CASE("a planned request takes an idle account's new permit or a waiting plan's permit", "[lifecycle]") {
  const auto fresh = on_request_planned(idle{}, planned("stories").plan, 21);
  REQUIRE(is<waiting>(fresh));
  CHECK(std::get<waiting>(fresh.state).request_id == 21);
  CHECK(std::get<waiting>(fresh.state).session.requested);
  CHECK(effects_of<request_permit>(fresh).size() == 1);

  const auto overtaking = on_request_planned(waiting_for("follow"), planned("stories").plan, 21);
  REQUIRE(is<waiting>(overtaking));
  CHECK(std::get<waiting>(overtaking.state).request_id == 7);  // the permit already asked for
  CHECK(std::get<waiting>(overtaking.state).session.plan.activity == "stories");
  CHECK(overtaking.effects.empty());
}

TEST_CASE("a request the planner declines is refused with the matching code", "[lifecycle]") {
  auto code = [](skip_reason reason) { return refusal_of(on_request_planned(idle{}, reason, 1)); };
  CHECK(code(skip_reason::sleep_window) == "sleep_window");
  CHECK(code(skip_reason::needs_recovery) == "needs_recovery");
  CHECK(code(skip_reason::paused) == "paused");
  CHECK(code(skip_reason::activity_removed) == "unknown_activity");
  CHECK(code(skip_reason::energy_low) == "busy");
  CHECK(code(skip_reason::not_eligible) == "busy");
}

TEST_CASE("a granted permit starts the waiting plan", "[lifecycle]") {
  const auto t = on_permit_granted(waiting_for("reels"), 7, 3, "s-9", awake());
  REQUIRE(is<running>(t));
  CHECK(std::get<running>(t.state).permit_id == 3);
  CHECK(std::get<running>(t.state).session_id == "s-9");
  REQUIRE(effects_of<start_session>(t).size() == 1);
  CHECK(effects_of<start_session>(t).front().session_id == "s-9");
}

TEST_CASE("a permit nobody waits for goes back unused", "[lifecycle]") {
  for (const account_lifecycle& state : {account_lifecycle{waiting_for("reels")}, account_lifecycle{idle{}},
                                         account_lifecycle{running_one("reels")}, account_lifecycle{retiring{}}}) {
    const auto t = on_permit_granted(state, 99, 3, "s-9", awake());
    REQUIRE(effects_of<release_permit>(t).size() == 1);
    CHECK_FALSE(effects_of<release_permit>(t).front().session_ran);
    CHECK(effects_of<start_session>(t).empty());
    CHECK(t.state.index() == state.index());
  }
}

TEST_CASE("a permit that comes in Sleep is returned and the plan skips with sleepWindow", "[lifecycle]") {
  const auto t = on_permit_granted(waiting_for("reels"), 7, 3, "s-9", asleep());
  CHECK(is<idle>(t));
  CHECK(skip_of(t) == "sleepWindow");
  CHECK(effects_of<release_permit>(t).size() == 1);
  CHECK(effects_of<start_session>(t).empty());
}

TEST_CASE("a permit that comes in Sleep for an operator's plan answers it with sleep_window", "[lifecycle]") {
  const auto t = on_permit_granted(waiting_for("reels", true), 7, 3, "s-9", asleep());
  CHECK(is<idle>(t));
  CHECK(refusal_of(t) == "sleep_window");
  CHECK(effects_of<record_skip>(t).empty());
}

TEST_CASE("a permit for a plan whose activity is gone is returned with activityRemoved", "[lifecycle]") {
  const auto t = on_permit_granted(waiting_for("stories"), 7, 3, "s-9", without_activity("stories"));
  CHECK(is<idle>(t));
  CHECK(skip_of(t) == "activityRemoved");
  CHECK(effects_of<start_session>(t).empty());
}

TEST_CASE("a follow plan without targets left skips with noTargets, an operator's runs", "[lifecycle]") {
  const auto planner = on_permit_granted(waiting_for("follow"), 7, 3, "s-9", with_targets(0));
  CHECK(skip_of(planner) == "noTargets");
  const auto operator_asked = on_permit_granted(waiting_for("follow", true), 7, 3, "s-9", with_targets(0));
  CHECK(is<running>(operator_asked));
  CHECK(on_permit_granted(waiting_for("follow"), 7, 3, "s-9", with_targets(4)).effects.size() == 1);
}

TEST_CASE("a recovery step's permit starts the step, in Sleep too", "[lifecycle]") {
  const auto t = on_permit_granted(step_waiting(2, "refresh"), 9, 3, "r-5", asleep());
  REQUIRE(is<recovering>(t));
  CHECK(std::get<recovering>(t.state).session_id == "r-5");
  CHECK(std::get<recovering>(t.state).request_id == 0);
  REQUIRE(effects_of<start_session>(t).size() == 1);
  CHECK(std::get<recovery_task>(effects_of<start_session>(t).front().task).step == "refresh");
}

TEST_CASE("a session's end returns its permit and frees the account", "[lifecycle]") {
  const auto t = on_session_ended(running_one("reels"), "s-1", session_end::carry_on);
  REQUIRE(is<idle>(t));
  CHECK_FALSE(std::get<idle>(t.state).burst_next);
  REQUIRE(effects_of<release_permit>(t).size() == 1);
  CHECK(effects_of<release_permit>(t).front().session_ran);
  CHECK(effects_of<answer_request>(t).empty());
  CHECK(effects_of<report_eligibility>(t).size() == 1);
}

TEST_CASE("the end of another session changes nothing", "[lifecycle]") {
  CHECK(on_session_ended(running_one("reels"), "s-other", session_end::carry_on).effects.empty());
  CHECK(on_session_ended(idle{}, "s-1", session_end::carry_on).effects.empty());
  CHECK(on_session_ended(step_waiting(0, "homepage"), "", session_end::carry_on).effects.empty());
}

TEST_CASE("an operator's session is answered with its end", "[lifecycle]") {
  const auto t = on_session_ended(running_one("reels", true), "s-1", session_end::carry_on);
  CHECK(effects_of<answer_request>(t).size() == 1);
}

TEST_CASE("a burst makes the next plan a burst's second, a denied burst is a burstDenied skip", "[lifecycle]") {
  const auto bursting = on_session_ended(running_one("reels"), "s-1", session_end::burst);
  REQUIRE(is<idle>(bursting));
  CHECK(std::get<idle>(bursting.state).burst_next);
  const auto denied = on_session_ended(running_one("reels"), "s-1", session_end::burst_denied);
  CHECK(skip_of(denied) == "burstDenied");
  CHECK(effects_of<release_permit>(denied).size() == 1);
}

TEST_CASE("a hard error sends the account into recovery and refuses the queued request", "[lifecycle]") {
  const auto t = on_session_ended(running_with_queued("stories"), "s-1", session_end::needs_recovery);
  CHECK(is<recovering>(t));
  CHECK(effects_of<need_recovery>(t).size() == 1);
  CHECK(refusal_of(t) == "needs_recovery");
}

TEST_CASE("an auth failure parks the account and refuses the queued request", "[lifecycle]") {
  const auto t = on_session_ended(running_with_queued("stories"), "s-1", session_end::parked);
  CHECK(is<parked>(t));
  CHECK(effects_of<need_recovery>(t).empty());
  CHECK(refusal_of(t) == "needs_recovery");
}

TEST_CASE("the queued request is submitted again when the session ends well", "[lifecycle]") {
  const auto t = on_session_ended(running_with_queued("stories"), "s-1", session_end::carry_on);
  CHECK(is<idle>(t));
  REQUIRE(effects_of<resubmit_request>(t).size() == 1);
  CHECK(effects_of<resubmit_request>(t).front().request.activity == "stories");
}

TEST_CASE("a recovery step's end reports its result and waits for the supervisor", "[lifecycle]") {
  const auto ok = on_session_ended(step_running(1, "back"), "r-1", session_end::carry_on);
  REQUIRE(is<recovering>(ok));
  CHECK_FALSE(std::get<recovering>(ok.state).step);
  REQUIRE(effects_of<report_step_result>(ok).size() == 1);
  CHECK(effects_of<report_step_result>(ok).front().index == 1);
  CHECK(effects_of<report_step_result>(ok).front().succeeded);
  const auto failed = on_session_ended(step_running(1, "back"), "r-1", session_end::needs_recovery);
  CHECK_FALSE(effects_of<report_step_result>(failed).front().succeeded);
}

TEST_CASE("the supervisor's step is taken by an account in recovery with nothing in flight", "[lifecycle]") {
  for (const account_lifecycle& free : {account_lifecycle{between_steps()}, account_lifecycle{idle{}},
                                        account_lifecycle{parked{}}}) {
    const auto t = on_recovery_step(free, {0, "homepage"}, 4);
    REQUIRE(is<recovering>(t));
    CHECK(std::get<recovering>(t.state).request_id == 4);
    REQUIRE(effects_of<request_permit>(t).size() == 1);
    CHECK(effects_of<request_permit>(t).front().recovery);
  }
  for (const account_lifecycle& busy : {account_lifecycle{running_one("reels")}, account_lifecycle{waiting_for("reels")},
                                        account_lifecycle{step_waiting(0, "homepage")}, account_lifecycle{retiring{}}}) {
    const auto t = on_recovery_step(busy, {1, "back"}, 4);
    CHECK(t.effects.empty());
    CHECK(t.state.index() == busy.index());
  }
}

TEST_CASE("the end of recovery parks or releases the account", "[lifecycle]") {
  const auto parks = on_recovery_over(between_steps(), true);
  CHECK(is<parked>(parks));
  REQUIRE(effects_of<settle_recovery>(parks).size() == 1);
  CHECK(effects_of<settle_recovery>(parks).front().parked);
  const auto releases = on_recovery_over(between_steps(), false);
  CHECK(is<idle>(releases));
  CHECK_FALSE(effects_of<settle_recovery>(releases).front().parked);
  CHECK(on_recovery_over(idle{}, true).effects.empty());
  CHECK(on_recovery_over(step_running(0, "homepage"), true).effects.empty());
}

TEST_CASE("clearing a recovery frees a parked account and drops a step waiting for its permit", "[lifecycle]") {
  CHECK(is<idle>(on_recovery_cleared(parked{})));
  const auto t = on_recovery_cleared(step_waiting(0, "homepage"));
  CHECK(is<idle>(t));
  REQUIRE(effects_of<cancel_permit>(t).size() == 1);
  CHECK(effects_of<cancel_permit>(t).front().request_id == 9);
  CHECK(is<idle>(on_recovery_cleared(between_steps())));
  CHECK(on_recovery_cleared(running_one("reels")).effects.empty());
}

TEST_CASE("clearing a recovery lets a running step end first, then the account is idle", "[lifecycle]") {
  const auto cleared = on_recovery_cleared(step_running(0, "homepage"));
  REQUIRE(is<recovering>(cleared));
  CHECK(cleared.effects.empty());
  CHECK(is<idle>(on_session_ended(cleared.state, "r-1", session_end::carry_on)));
}

TEST_CASE("a snapshot leaves idle, parked and retiring accounts as they are", "[lifecycle]") {
  for (const account_lifecycle& state : {account_lifecycle{idle{}}, account_lifecycle{parked{}},
                                         account_lifecycle{retiring{running_one("reels")}}}) {
    const auto t = on_config_snapshot(state, without_activity("reels"));
    CHECK(t.effects.empty());
    CHECK(t.state.index() == state.index());
  }
}

TEST_CASE("a snapshot keeps a waiting plan whose activity remains", "[lifecycle]") {
  const auto t = on_config_snapshot(waiting_for("reels"), without_activity("stories"));
  CHECK(is<waiting>(t));
  CHECK(t.effects.empty());
}

TEST_CASE("a snapshot drops a waiting plan whose activity is gone with activityRemoved", "[lifecycle]") {
  const auto t = on_config_snapshot(waiting_for("stories"), without_activity("stories"));
  CHECK(is<idle>(t));
  REQUIRE(effects_of<cancel_permit>(t).size() == 1);
  CHECK(effects_of<cancel_permit>(t).front().request_id == 7);
  CHECK(skip_of(t) == "activityRemoved");
  CHECK(effects_of<report_eligibility>(t).size() == 1);
}

TEST_CASE("a snapshot refuses an operator's waiting plan whose activity is gone", "[lifecycle]") {
  const auto t = on_config_snapshot(waiting_for("stories", true), without_activity("stories"));
  CHECK(is<idle>(t));
  CHECK(effects_of<cancel_permit>(t).size() == 1);
  CHECK(refusal_of(t) == "unknown_activity");
  CHECK(effects_of<record_skip>(t).empty());
}

TEST_CASE("a snapshot that empties the targets file drops a waiting follow plan with noTargets", "[lifecycle]") {
  const auto t = on_config_snapshot(waiting_for("follow"), with_targets(0));
  CHECK(is<idle>(t));
  CHECK(skip_of(t) == "noTargets");
}

TEST_CASE("a snapshot never cuts a running session, even of a removed activity", "[lifecycle]") {
  const auto t = on_config_snapshot(running_one("reels"), without_activity("reels"));
  CHECK(is<running>(t));
  CHECK(t.effects.empty());
}

TEST_CASE("a snapshot refuses the queued request whose activity is gone", "[lifecycle]") {
  const auto t = on_config_snapshot(running_with_queued("stories"), without_activity("stories"));
  REQUIRE(is<running>(t));
  CHECK_FALSE(std::get<running>(t.state).queued);
  CHECK(refusal_of(t) == "unknown_activity");
  CHECK(on_config_snapshot(running_with_queued("stories"), without_activity("reels")).effects.empty());
  CHECK(on_config_snapshot(running_with_queued(""), without_activity("reels")).effects.empty());
}

TEST_CASE("a snapshot that removes the waiting recovery step reports it failed", "[lifecycle]") {
  const auto t = on_config_snapshot(step_waiting(3, "reopen"), with_recovery_steps(2));
  REQUIRE(is<recovering>(t));
  CHECK_FALSE(std::get<recovering>(t.state).step);
  CHECK(effects_of<cancel_permit>(t).size() == 1);
  REQUIRE(effects_of<report_step_result>(t).size() == 1);
  CHECK(effects_of<report_step_result>(t).front().index == 3);
  CHECK_FALSE(effects_of<report_step_result>(t).front().succeeded);
}

TEST_CASE("a snapshot keeps recovery steps that remain and never cuts a running one", "[lifecycle]") {
  CHECK(on_config_snapshot(step_waiting(1, "back"), with_recovery_steps(2)).effects.empty());
  CHECK(on_config_snapshot(step_running(3, "reopen"), with_recovery_steps(2)).effects.empty());
  CHECK(on_config_snapshot(between_steps(), with_recovery_steps(0)).effects.empty());
}

TEST_CASE("a removed account with nothing in flight quits at once", "[lifecycle]") {
  for (const account_lifecycle& state : {account_lifecycle{idle{}}, account_lifecycle{parked{}},
                                         account_lifecycle{between_steps()}}) {
    const auto t = on_retire(state);
    CHECK(is<retiring>(t));
    CHECK(effects_of<quit>(t).size() == 1);
  }
}

TEST_CASE("a removed account cancels its waiting permit and refuses its operator's plan", "[lifecycle]") {
  const auto t = on_retire(waiting_for("reels", true));
  CHECK(effects_of<cancel_permit>(t).size() == 1);
  CHECK(refusal_of(t) == "retiring");
  CHECK(effects_of<quit>(t).size() == 1);
  CHECK(effects_of<cancel_permit>(on_retire(step_waiting(0, "homepage"))).size() == 1);
}

TEST_CASE("a removed account lets its running session end, then quits", "[lifecycle]") {
  const auto t = on_retire(running_with_queued("stories"));
  REQUIRE(is<retiring>(t));
  CHECK(effects_of<quit>(t).empty());
  CHECK(refusal_of(t) == "retiring");
  const auto ended = on_session_ended(t.state, "s-1", session_end::carry_on);
  CHECK(effects_of<release_permit>(ended).size() == 1);
  CHECK(effects_of<quit>(ended).size() == 1);
  CHECK(effects_of<resubmit_request>(ended).empty());
}

TEST_CASE("a removed account lets its running recovery step end, reports it, then quits", "[lifecycle]") {
  const auto t = on_retire(step_running(2, "refresh"));
  REQUIRE(is<retiring>(t));
  CHECK(t.effects.empty());
  const auto ended = on_session_ended(t.state, "r-1", session_end::carry_on);
  CHECK(effects_of<report_step_result>(ended).size() == 1);
  CHECK(effects_of<quit>(ended).size() == 1);
  CHECK(on_retire(t.state).effects.empty());  // told twice: nothing more
}

TEST_CASE("the running task is known by its session id, also while retiring", "[lifecycle]") {
  CHECK(running_task(running_one("reels"), "s-1"));
  CHECK_FALSE(running_task(running_one("reels"), "s-2"));
  CHECK(running_task(retiring{step_running(0, "homepage")}, "r-1"));
  CHECK_FALSE(running_task(step_waiting(0, "homepage"), ""));
  CHECK_FALSE(running_task(idle{}, "s-1"));
}
