#include "actors/recorder.hpp"

#include <caf/all.hpp>

#include "messages/permits.hpp"
#include "messages/store.hpp"

namespace troupe::actors {

namespace {

// Feeds one record to the report: states and events; sessions and
// summaries are the store's.
struct feed_report {
  simulation_report& report;
  void operator()(const account_state& state) const { report.on_account_state(state); }
  void operator()(const store::runner_event& event) const { report.on_event(event); }
  void operator()(const store::session_record&) const {}
  void operator()(const store::runner_summary&) const {}
};

}  // namespace

caf::behavior recorder_actor(caf::stateful_actor<recorder_state>* self,
                             std::shared_ptr<simulation_report> report) {
  self->state.report = std::move(report);
  return {
      // First: nearly every record comes in a batch.
      [=](const msg::record_batch& batch) {
        const feed_report feed{*self->state.report};
        for (const auto& record : batch.records) std::visit(feed, record);
      },
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
