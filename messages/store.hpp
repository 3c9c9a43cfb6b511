// Messages to the store actor: write-behind of account state, runner events,
// sessions and daily summaries, and loads at start. Every records sink (the
// store, the simulation's recorder) takes each record alone and records in
// batches.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <variant>
#include <vector>

#include "runtime/account_state.hpp"
#include "runtime/store/runner_events.hpp"
#include "runtime/store/runner_summaries.hpp"
#include "runtime/store/sessions.hpp"

namespace troupe {

// As (name, value) pairs: whoever loads them interns the names again.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, activity_counts& x) {
  std::vector<std::pair<std::string, std::int64_t>> pairs;
  if constexpr (Inspector::reads_state) {
    for (const auto& [name, value] : x) pairs.emplace_back(name.str(), value);
  }
  return f(caf::meta::type_name("activity_counts"), pairs,
           caf::meta::load_callback([&]() -> caf::error {
             x.clear();
             for (const auto& [name, value] : pairs) x[name] = value;
             return caf::none;
           }));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, account_state& x) {
  return f(caf::meta::type_name("account_state"), x.account_id, x.pod, x.day, x.energy,
           x.starts_today, x.done_today, x.next_eligible_at_ms, x.last_start_at_ms,
           x.last_session_end_ms, x.error_streak, x.needs_recovery, x.parked_at_ms,
           x.running_session, x.targets_cursor, x.updated_at_ms);
}

}  // namespace troupe

namespace troupe::store {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, runner_summary& x) {
  return f(caf::meta::type_name("runner_summary"), x.account_id, x.day, x.pod, x.sessions,
           x.sessions_by_activity, x.errors, x.skips, x.recoveries, x.bursts, x.active_ms);
}

}  // namespace troupe::store

namespace troupe::msg {

using load_atom = caf::atom_constant<caf::atom("load")>;  // load_atom, account id -> account_state

// One record for a records sink.
using record =
    std::variant<account_state, store::runner_event, store::session_record, store::runner_summary>;

// The records one step of an account made, in the order it made them: one
// message instead of one per record (a session makes about eight, and in
// simulation the messages were most of the work).
struct record_batch {
  std::vector<record> records;
};

}  // namespace troupe::msg

// The store's record types hold std::optional fields, which CAF 0.17 cannot
// serialize; they travel only between actors of one process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::store::runner_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::store::session_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::msg::record_batch)
