// An account actor: one account's state, planner and permit requests. It
// loads nothing itself (its pod hands it the stored state), clears a stale
// running flag, writes its state through to the store on every change, asks
// the supervisor for a permit when its plan says go, never runs two
// sessions at once, and runs recovery steps when the supervisor says so.
// Told to shut down (removed from the config), it plans nothing more and
// quits normally once its running session, if any, has ended. What it has
// in flight is a runtime/account_lifecycle value: the actor stores it and
// performs the effects its transitions return. An operator's session request
// is always answered (its session's end, or a refusal; messages/sessions.hpp).
#pragma once

#include <caf/actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <memory>
#include <optional>
#include <string_view>

#include "config/config.hpp"
#include "messages/inspect.hpp"
#include "runtime/account_lifecycle.hpp"
#include "runtime/account_state.hpp"
#include "runtime/driver/cancel_token.hpp"
#include "runtime/node_context.hpp"
#include "runtime/policy/rng.hpp"
#include "runtime/policy/skip_reason.hpp"

namespace date {
class time_zone;
}

namespace troupe::msg {
struct record_batch;
}

namespace troupe::actors {

// An account's follow targets file and how many targets it held when read.
struct targets_file {
  std::string path;
  std::int64_t total = 0;  // 0 when it cannot be read: the account skips with noTargets
};

// The account's own counts since it started, flat (not a map of names) in
// each of many accounts, and 32 bits: a skip every tick for a year is ~260,000.
struct account_counters {
  std::int32_t sessions = 0;
  std::int32_t failures = 0;
  std::int32_t skips = 0;
  std::int32_t progress = 0;  // progress lines of its sessions
};

// An operator's request for a session, answered by the lifecycle's effects.
struct pending_request {
  caf::response_promise promise;
  std::string activity;  // what it asked for (empty: the planner's choice)
};

// What an account has in flight. Most accounts of a node are idle most of
// the time, so anything but a plain idle lives on the heap while it lasts:
// 8 bytes in each account instead of the lifecycle's 224.
class lifecycle_slot {
 public:
  const lifecycle::account_lifecycle& get() const { return boxed_ ? *boxed_ : plain_idle; }
  void set(lifecycle::account_lifecycle next);

 private:
  static const lifecycle::account_lifecycle plain_idle;
  std::unique_ptr<lifecycle::account_lifecycle> boxed_;
};

// Kept small: a node holds one per account, most of them asleep, so what
// only a running or requested session needs is allocated while it lasts.
struct account_actor_state {
  // On the heap, handed over by the pod: the spawn arguments (freed once
  // the account started) stay small, so what they leave behind is too.
  std::unique_ptr<account_state> account;
  std::shared_ptr<const node_context> context;
  std::shared_ptr<const config::troupe_config> config;
  std::uint64_t config_version = 1;            // of the snapshot it holds
  const date::time_zone* zone = nullptr;
  caf::actor supervisor;
  caf::actor pod;
  policy::rng random{0};
  std::unique_ptr<targets_file> targets;       // none: no targets file configured

  // What is in flight; the lifecycle's transitions decide, the actor performs.
  lifecycle_slot lifecycle;
  std::unique_ptr<pending_request> requested;  // none: no operator's request waits
  caf::actor session;
  std::shared_ptr<driver::cancel_token> cancel;

  account_counters counters;
  std::optional<policy::skip_reason> last_skip;
  std::unique_ptr<std::string> last_error;  // none until a session fails (most accounts never)
  std::uint64_t messages_handled = 0;
  std::uint64_t sequence = 0;
  msg::record_batch* step_records =
      nullptr;  // while a step runs: its records, sent when it is done

  static inline const char* name = "account";

  ~account_actor_state();
};

caf::behavior account_actor(caf::stateful_actor<account_actor_state>* self,
                            std::shared_ptr<const node_context> context,
                            std::shared_ptr<const config::troupe_config> config,
                            std::unique_ptr<account_state> initial, const date::time_zone* zone,
                            caf::actor supervisor, caf::actor pod);

}  // namespace troupe::actors
