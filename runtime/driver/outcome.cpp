#include "runtime/driver/outcome.hpp"

namespace troupe::driver {

outcome_kind classify_exit(int exit_code) {
  switch (exit_code) {
    case 0:
      return outcome_kind::success;
    case 2:
      return outcome_kind::transient;
    case 3:
      return outcome_kind::auth_required;
    case 4:
      return outcome_kind::no_targets;
    case 124:
      return outcome_kind::timeout;
    default:
      return outcome_kind::hard_error;
  }
}

const char* to_string(outcome_kind kind) {
  switch (kind) {
    case outcome_kind::success:
      return "success";
    case outcome_kind::transient:
      return "transient";
    case outcome_kind::auth_required:
      return "auth_required";
    case outcome_kind::no_targets:
      return "no_targets";
    case outcome_kind::hard_error:
      return "hard_error";
    case outcome_kind::timeout:
      return "timeout";
    case outcome_kind::spawn_failed:
      return "spawn_failed";
    case outcome_kind::cancelled:
      return "cancelled";
  }
  return "unknown";
}

} // namespace troupe::driver
