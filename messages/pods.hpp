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
// (so the pod can sleep through ticks until then), and the version of the
// config snapshot it holds (each snapshot it applies makes it report).
struct account_eligibility {
  std::string account_id;
  std::int64_t next_check_at_ms = 0;
  std::uint64_t config_version = 0;
};

// Pod -> supervisor -> whoever asked (msg::config_applied_atom): the lowest
// config version the accounts of a pod (or of the whole tree) last reported
// holding, and how many accounts reported it; a cheap answer to "has every
// account applied the reload?" that walks no account.
struct config_applied {
  std::uint64_t lowest_version = 0;  // 0: an account has not reported yet
  std::uint64_t accounts = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plan_tick& x) {
  return f(caf::meta::type_name("plan_tick"), x.paused);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, account_eligibility& x) {
  return f(caf::meta::type_name("account_eligibility"), x.account_id, x.next_check_at_ms,
           x.config_version);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, config_applied& x) {
  return f(caf::meta::type_name("config_applied"), x.lowest_version, x.accounts);
}

}  // namespace troupe::msg
