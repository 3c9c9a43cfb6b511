// An in-process model of the simulated driver for `troupe simulate`: how
// long a session takes and how it ends, drawn from the same kind of
// parameters the sim-driver takes. Pure: the caller passes the generator.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/policy/rng.hpp"

namespace troupe {

struct session_model_settings {
  std::int64_t per_item_ms = 8'000;  // a count session takes count x this
  double p_transient = 0.0;          // exit 2
  double p_auth = 0.0;               // exit 3
  double p_hard = 0.0;               // exit 1: starts recovery
  double p_timeout = 0.0;            // the runtime's timeout: exit 124
  double p_recovery_fails = 0.0;     // a recovery step fails (exit 1)
};

struct modeled_session {
  std::int64_t duration_ms = 0;
  int exit_code = 0;
  std::int64_t units_done = 0;
};

// A session of `count` items or `seconds` seconds (one of them set), or a
// recovery step when `recovery` is true.
modeled_session model_session(const session_model_settings& settings,
                              std::optional<std::int64_t> count,
                              std::optional<std::int64_t> seconds, bool recovery,
                              policy::rng& random);

}  // namespace troupe
