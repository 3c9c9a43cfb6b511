// Messages of the multi-step recovery the supervisor runs for an account
// whose session failed hard.
#pragma once

#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <string>

namespace troupe::msg {

// Account -> supervisor: a session failed hard; start (or continue) recovery.
struct recovery_needed {
  std::string pod;
  std::string account_id;
  std::string session_id;  // the failed session
  std::int64_t failed_at_ms = 0;
};

// Supervisor -> account: run recovery step `index` (named `step`) now.
struct recovery_step {
  std::string account_id;
  int index = 0;
  std::string step;
};

// Account -> supervisor: how that step ended.
struct recovery_result {
  std::string account_id;
  int index = 0;
  bool succeeded = false;
  std::int64_t ended_at_ms = 0;
};

// Supervisor -> account: recovery is over; parked = every step failed.
struct recovery_over {
  std::string account_id;
  bool parked = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recovery_needed& x) {
  return f(caf::meta::type_name("recovery_needed"), x.pod, x.account_id, x.session_id,
           x.failed_at_ms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recovery_step& x) {
  return f(caf::meta::type_name("recovery_step"), x.account_id, x.index, x.step);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recovery_result& x) {
  return f(caf::meta::type_name("recovery_result"), x.account_id, x.index, x.succeeded,
           x.ended_at_ms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recovery_over& x) {
  return f(caf::meta::type_name("recovery_over"), x.account_id, x.parked);
}

}  // namespace troupe::msg
