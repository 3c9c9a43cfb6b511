#include "runtime/policy/skip_reason.hpp"

namespace troupe::policy {

std::string_view to_string(skip_reason reason) {
  switch (reason) {
    case skip_reason::sleep_window:
      return "sleepWindow";
    case skip_reason::not_eligible:
      return "notEligible";
    case skip_reason::no_targets:
      return "noTargets";
    case skip_reason::unfollow_not_due:
      return "unfollowNotDue";
    case skip_reason::stories_too_soon:
      return "storiesTooSoon";
    case skip_reason::burst_denied:
      return "burstDenied";
    case skip_reason::energy_low:
      return "energyLow";
    case skip_reason::needs_recovery:
      return "needsRecovery";
    case skip_reason::paused:
      return "paused";
    case skip_reason::activity_removed:
      return "activityRemoved";
  }
  return "unknown";
}

}  // namespace troupe::policy
