// One tick of the autonomous operations loop against a database, without a
// thread of its own (runtime/aol/loop.hpp gives it one). A tick:
//
//   1. takes or renews the single-daemon lease; a standby stops here;
//   2. reads the control flags (paused: records a PAUSED tick and stops;
//      proof, or the runner's forced proof: adapters run in PROOF mode);
//   3. begins the tick in the ledger and skips expired decisions;
//   4. claims at most one batch of due actions and, for each in turn, logs
//      the attempt, runs its adapter (a keeper thread renews the action's
//      lease and the daemon's lease meanwhile, and cancels the adapter when
//      the action is lost) and records the outcome conditional on the
//      action's token: a refused (fenced) write is logged FENCED and does
//      not count as a success;
//   5. prunes finished actions past retention (at most hourly) and finishes
//      the tick with its counts.
//
// Any store error ends the tick as ERROR (the claimed actions not yet run
// stay RUNNING until their lease expires, then are claimed again) and tells
// the caller to reconnect. Times come from the environment's clock, so tests
// run ticks on virtual time.
//
// A runner is used by one thread at a time, except interrupt(), which any
// thread may call.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/aol/adapters.hpp"
#include "runtime/aol/tick_policy.hpp"
#include "runtime/policy/rng.hpp"
#include "runtime/store/aol_lease.hpp"
#include "runtime/store/database.hpp"

namespace troupe::aol {

// Epoch milliseconds.
using clock_function = std::function<std::int64_t()>;

struct tick_environment {
  loop_settings settings;
  adapter_registry adapters;
  // What every attempt's context starts from: the config, the driver
  // program and the daemon's environment (proof, renew and cancel are set
  // per attempt).
  adapter_context base_context;
  std::string owner;         // this daemon, unique per process
  bool force_proof = false;  // --proof: PROOF mode whatever the flag says
  clock_function clock;
};

struct tick_result {
  bool standby = false;        // another daemon holds the lease: nothing ran
  std::string holder;          // standby: who holds it
  tick_report report;          // unless standby (index left 0 for the caller)
  bool batch_full = false;     // the tick claimed a whole batch: more may be due
  bool database_failed = false;  // a store call failed: reconnect before the next tick
};

class tick_runner {
 public:
  tick_runner(tick_environment environment, std::uint64_t seed);
  tick_runner(const tick_runner&) = delete;
  tick_runner& operator=(const tick_runner&) = delete;

  tick_result run(store::database& db);

  // The lease as this runner last took it, if it holds it.
  const std::optional<store::lease>& lease() const { return held_; }

  // Gives the lease up, if held, so that a standby need not wait for it to
  // expire. Best effort: a failure is logged.
  void release(store::database& db);

  // Stops the current tick: cancels the running adapter and starts no more
  // actions. Thread-safe; lasting (later ticks start nothing either).
  void interrupt();

 private:
  bool run_attempt(store::database& db, const store::action& action, bool proof);
  bool still_holder(store::database& db);
  void prune_if_due(store::database& db);
  std::shared_ptr<driver::cancel_token> new_attempt_token();
  void clear_attempt_token();

  tick_environment env_;
  policy::rng random_;
  std::optional<store::lease> held_;
  std::int64_t last_lease_renewal_ms_ = 0;
  bool lease_lost_ = false;
  std::optional<std::int64_t> last_prune_ms_;
  std::atomic<bool> interrupted_{false};
  std::mutex attempt_mutex_;  // guards current_attempt_
  std::shared_ptr<driver::cancel_token> current_attempt_;
};

}  // namespace troupe::aol
