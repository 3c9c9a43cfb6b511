// The smart runner's session planner: given an account's state, the config,
// the moment (clock, mood, pause, follow targets) and a generator,
// decide whether the account starts a session now and with what, or why not.
//
// The checks run in this order; the first that applies decides:
//   1. the node is paused                          -> paused
//   2. the account is parked for recovery          -> needsRecovery
//   3. a session of the account is running         -> notEligible
//   4. the mood is a sleep mood                    -> sleepWindow
//   5. now < next_eligible_at (idle spacing)       -> notEligible
//   6. energy < energy.floor                       -> energyLow
//   7. no activity has a positive weight           -> the gate that blocked
//      the activity with the largest weight before gating (noTargets,
//      unfollowNotDue or storiesTooSoon; ties go to the first in config
//      order), or notEligible when no gate was involved (every weight was
//      zero to begin with, e.g. a mood that zeroes all multipliers)
//   8. otherwise go: an activity drawn in proportion to its weight, with a
//      count or a duration drawn uniformly from its inclusive range.
// Counters and energy are read as of the local day of `clock`: a state still
// on an earlier day is planned as if the daily reset had run (the caller
// persists the reset with apply_daily_reset).
//
// Activities are data: the planner knows them only through the config
// (base weights, mood multipliers, unfollowTrigger, storiesPolicy and
// `targets` on an activity). Pure functions; the generator is the caller's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "runtime/account_state.hpp"
#include "runtime/policy/local_time.hpp"
#include "runtime/policy/rng.hpp"
#include "runtime/policy/skip_reason.hpp"

namespace troupe::policy {

// The account's follow targets file and how many targets remain after its cursor.
struct follow_targets {
  std::string file;
  std::int64_t remaining = 0;
};

// Everything about the moment of planning that is not the account's state.
struct plan_context {
  std::int64_t now_ms = 0;
  local_clock_reading clock;                  // of now_ms in the pod's zone
  const config::mood_config* mood = nullptr;  // mood_at(moods, clock.minute_of_day)
  bool paused = false;                        // the node is paused
  std::optional<follow_targets> targets;      // none: no targets file, unlimited
};

// A session to start.
struct session_plan {
  std::string activity;
  std::optional<std::int64_t> count;    // --count n
  std::optional<std::int64_t> seconds;  // --seconds s
  std::vector<std::string> extra_args;  // e.g. --targets FILE --cursor N
  std::string mood;                     // the mood's name, empty without one
};

// Either a session to start or the reason not to.
class plan_decision {
 public:
  static plan_decision go(session_plan plan) { return plan_decision(std::move(plan)); }
  static plan_decision skip(skip_reason reason) { return plan_decision(reason); }

  // Returns true iff a session should start.
  bool goes() const { return std::holds_alternative<session_plan>(choice_); }
  // The session to start; only when goes().
  const session_plan& plan() const { return std::get<session_plan>(choice_); }
  // Why not; only when !goes().
  skip_reason reason() const { return std::get<skip_reason>(choice_); }

 private:
  explicit plan_decision(session_plan plan) : choice_(std::move(plan)) {}
  explicit plan_decision(skip_reason reason) : choice_(reason) {}

  std::variant<session_plan, skip_reason> choice_;
};

// One activity's weight at the moment of planning.
struct activity_weight {
  const config::activity_config* activity = nullptr;
  double ungated = 0;  // base weight x mood multiplier (missing base: 0, missing multiplier: 1)
  double weight = 0;   // after the gates and the stories rarity; what the draw uses
  std::optional<skip_reason> blocked_by;  // the gate that set a positive weight to 0
};

// Returns the weight of every activity, in config order, for an account
// whose counters are already those of the context's day. The gates, checked
// in this order: an activity with `targets` and no remaining targets
// (noTargets); the unfollowTrigger activity while done_today[counts] <
// threshold (unfollowNotDue); the storiesPolicy activity within minGapMs of
// its last start (storiesTooSoon; in either policy mode). In fluid mode the
// storiesPolicy activity's weight is divided by 1 + rarityBias x its starts today.
std::vector<activity_weight> activity_weights(const account_state& state,
                                              const config::troupe_config& config,
                                              const plan_context& context);

// A session of `activity` for `state`: its count or seconds drawn from the
// activity's range, its targets file and cursor, the context's mood. No rule
// is checked: for a session an operator asked for.
session_plan plan_for(const config::activity_config& activity, const account_state& state,
                      const plan_context& context, rng& random);

// The arguments that hand a session of a targets-consuming activity its
// file and cursor: --targets FILE --cursor N.
std::vector<std::string> targets_arguments(const follow_targets& targets, std::int64_t cursor);

// Returns the decision for `state` at the context's moment (see the order above).
plan_decision plan_session(const account_state& state, const config::troupe_config& config,
                           const plan_context& context, rng& random);

}  // namespace troupe::policy
