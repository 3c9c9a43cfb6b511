// The recorder: in simulation it stands where the store actor stands in the
// daemon. It takes the same records, alone or in batches (account states and
// runner events feed the report; session rows and summaries it drops, and
// the simulation's accounts make none: node_context::records_sessions), answers
// a pod's load with no stored accounts, receives the supervisor's permit
// events, and feeds them all, in order, to a simulation_report that its
// creator reads after the run.
#pragma once

#include <caf/stateful_actor.hpp>
#include <memory>

#include "runtime/simulation_report.hpp"

namespace troupe::actors {

struct recorder_state {
  std::shared_ptr<simulation_report> report;
  static inline const char* name = "recorder";
};

caf::behavior recorder_actor(caf::stateful_actor<recorder_state>* self,
                             std::shared_ptr<simulation_report> report);

}  // namespace troupe::actors
