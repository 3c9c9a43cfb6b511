#include "runtime/llm/breaker.hpp"

namespace troupe::llm {

const char* name_of(breaker_phase phase) {
  switch (phase) {
    case breaker_phase::closed:
      return "closed";
    case breaker_phase::open:
      return "open";
    case breaker_phase::half_open:
      return "half_open";
  }
  return "unknown";
}

breaker_admission admit(const breaker_state& state, clock_time now) {
  switch (state.phase) {
    case breaker_phase::closed:
      return {true, state};
    case breaker_phase::open: {
      if (now < state.open_until) return {false, state};
      breaker_state probing = state;
      probing.phase = breaker_phase::half_open;
      probing.probe_in_flight = true;
      return {true, probing};
    }
    case breaker_phase::half_open:
      if (state.probe_in_flight) return {false, state};
      breaker_state probing = state;
      probing.probe_in_flight = true;
      return {true, probing};
  }
  return {false, state};
}

breaker_state record_success(const breaker_state&) { return breaker_state{}; }

breaker_state record_failure(const breaker_state& state, const breaker_settings& settings,
                             clock_time now) {
  breaker_state next = state;
  next.consecutive_failures += 1;
  next.probe_in_flight = false;
  if (state.phase == breaker_phase::half_open || next.consecutive_failures >= settings.failures) {
    next.phase = breaker_phase::open;
    next.open_until = now + settings.cooldown;
  }
  return next;
}

breaker_state trip(const breaker_state& state, const breaker_settings& settings, clock_time now) {
  breaker_state next = state;
  next.consecutive_failures += 1;
  next.probe_in_flight = false;
  next.phase = breaker_phase::open;
  next.open_until = now + settings.cooldown;
  return next;
}

bool refuses(const breaker_state& state, clock_time now) { return !admit(state, now).allowed; }

}  // namespace troupe::llm
