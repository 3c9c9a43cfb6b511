// Messages between a pod and its accounts.
#pragma once

#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <string>

namespace troupe::msg {

// Pod -> account: consider starting a session now.
struct plan_tick {
  bool paused = false;  // the node grants no permits: skip with reason `paused`
};

// Account -> pod: the earliest instant the account could start a session
// (so the pod can sleep through ticks until then).
struct account_eligibility {
  std::string account_id;
  std::int64_t next_check_at_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plan_tick& x) {
  return f(caf::meta::type_name("plan_tick"), x.paused);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, account_eligibility& x) {
  return f(caf::meta::type_name("account_eligibility"), x.account_id, x.next_check_at_ms);
}

}  // namespace troupe::msg
