#include "actors/recorder.hpp"

#include <caf/all.hpp>

#include "messages/permits.hpp"
#include "messages/store.hpp"

namespace troupe::actors {

caf::behavior recorder_actor(caf::stateful_actor<recorder_state>* self,
                             std::shared_ptr<simulation_report> report) {
  self->state.report = std::move(report);
  return {
      [=](const account_state& state) { self->state.report->on_account_state(state); },
      [=](const store::runner_event& event) { self->state.report->on_event(event); },
      [=](const store::session_record&) {},
      [=](const store::runner_summary&) {},
      [=](const msg::permit_event& event) {
        if (event.granted) {
          self->state.report->on_permit_granted(event.at_ms);
        } else {
          self->state.report->on_permit_released(event.at_ms, event.handoff_delay_ms);
        }
      },
      [=](msg::load_atom, const std::string&) { return std::vector<account_state>{}; },
  };
}

}  // namespace troupe::actors
