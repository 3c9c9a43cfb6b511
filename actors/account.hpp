// An account actor: one account's state, planner and permit requests. It
// loads nothing itself (its pod hands it the stored state), clears a stale
// running flag, writes its state through to the store on every change, asks
// the supervisor for a permit when its plan says go, never runs two
// sessions at once, and runs recovery steps when the supervisor says so.
// Told to shut down (removed from the config), it plans nothing more and
// quits normally once its running session, if any, has ended.
#pragma once

#include <caf/actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <memory>
#include <optional>

#include "config/config.hpp"
#include "messages/inspect.hpp"
#include "messages/recovery.hpp"
#include "messages/sessions.hpp"
#include "runtime/account_state.hpp"
#include "runtime/driver/cancel_token.hpp"
#include "runtime/node_context.hpp"
#include "runtime/policy/planner.hpp"
#include "runtime/policy/rng.hpp"

namespace date {
class time_zone;
}

namespace troupe::actors {

struct account_actor_state {
  account_state account;
  std::shared_ptr<const node_context> context;
  std::shared_ptr<const config::troupe_config> config;
  std::uint64_t config_version = 1;            // of the snapshot it holds
  const date::time_zone* zone = nullptr;
  caf::actor supervisor;
  caf::actor pod;
  policy::rng random{0};
  std::optional<std::int64_t> targets_total;  // lines of the follow targets file, if any

  // The session in flight: planned, waiting for a permit, or running.
  std::optional<policy::session_plan> plan;
  std::optional<msg::recovery_step> recovery;  // set while running a recovery step
  bool next_is_burst = false;                  // the next session is a burst's second
  bool retiring = false;                       // removed from the config: quit after the running session
  caf::response_promise requested;             // answered with the requested session's end
  std::optional<msg::session_request> queued_request;  // waits for the running session to end
  bool plan_is_burst = false;
  std::uint64_t request_id = 0;                // the pending permit request, 0 when none
  std::uint64_t permit_id = 0;                 // the permit held, 0 when none
  caf::actor session;
  std::shared_ptr<driver::cancel_token> cancel;

  std::map<std::string, std::int64_t> counters;  // sessions, skips, failures, progress, ...
  std::string last_skip_reason;
  std::string last_error;
  std::uint64_t messages_handled = 0;
  std::uint64_t sequence = 0;

  static inline const char* name = "account";

  ~account_actor_state();
};

caf::behavior account_actor(caf::stateful_actor<account_actor_state>* self,
                            std::shared_ptr<const node_context> context,
                            std::shared_ptr<const config::troupe_config> config,
                            account_state initial, const date::time_zone* zone,
                            caf::actor supervisor, caf::actor pod);

}  // namespace troupe::actors
