// Why an account did not start a session when it was considered. Recorded
// in runner events under the exact names `to_string` returns.
#pragma once

#include <string_view>

namespace troupe::policy {

enum class skip_reason {
  sleep_window,      // the pod's mood is a sleep mood
  not_eligible,      // a session is running, or idle spacing has not elapsed
  no_targets,        // the only possible activity needs follow targets and none remain
  unfollow_not_due,  // the only possible activity waits for the daily unfollow threshold
  stories_too_soon,  // the only possible activity is within its minimum gap
  burst_denied,      // the burst draw after a session said no
  energy_low,        // energy is below energy.floor until the next local day
  needs_recovery,    // parked after recovery failed
  paused,            // the node is paused
  activity_removed,  // a reload removed the activity of a plan that waited for its permit
};

// Returns the reason's recorded name: sleepWindow, notEligible, noTargets,
// unfollowNotDue, storiesTooSoon, burstDenied, energyLow, needsRecovery,
// paused or activityRemoved. (There is no `concurrency`: waiting for a
// permit is not a skip, a plan waits in the semaphore's queue until granted.)
std::string_view to_string(skip_reason reason);

}  // namespace troupe::policy
