// Messages of the global semaphore between accounts and the supervisor.
#pragma once

#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <string>

namespace troupe::msg {

// An account asks for a permit to run one session (or recovery step).
struct permit_request {
  std::uint64_t request_id = 0;  // unique per requester
  std::string pod;
  std::string account_id;
  bool recovery = false;
};

// The supervisor grants it; the holder must release it exactly once.
struct permit_granted {
  std::uint64_t request_id = 0;
  std::uint64_t permit_id = 0;
  std::int64_t granted_at_ms = 0;
};

// The holder returns the permit when its session has ended (or never started).
struct permit_release {
  std::uint64_t permit_id = 0;
  std::int64_t ended_at_ms = 0;
  bool session_ran = true;  // false: returned unused, no handoff delay
};

// The requester no longer wants the permit it asked for.
struct permit_cancel {
  std::uint64_t request_id = 0;
};

// Supervisor -> observer (simulation report, metrics): a permit changed hands.
// For a release, `handoff_delay_ms` is the delay drawn before the permit
// may be granted again.
struct permit_event {
  bool granted = false;  // true: granted; false: released
  std::uint64_t permit_id = 0;
  std::string pod;
  std::string account_id;
  std::int64_t at_ms = 0;
  std::int64_t handoff_delay_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, permit_event& x) {
  return f(caf::meta::type_name("permit_event"), x.granted, x.permit_id, x.pod, x.account_id,
           x.at_ms, x.handoff_delay_ms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, permit_request& x) {
  return f(caf::meta::type_name("permit_request"), x.request_id, x.pod, x.account_id, x.recovery);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, permit_granted& x) {
  return f(caf::meta::type_name("permit_granted"), x.request_id, x.permit_id, x.granted_at_ms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, permit_release& x) {
  return f(caf::meta::type_name("permit_release"), x.permit_id, x.ended_at_ms, x.session_ran);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, permit_cancel& x) {
  return f(caf::meta::type_name("permit_cancel"), x.request_id);
}

}  // namespace troupe::msg
