// The autonomous operations loop: a thread of its own with its own database
// connection that runs a tick (runtime/aol/tick.hpp) every aol.tickMs while
// it holds the single-daemon lease, and waits as a standby otherwise (it
// takes over within aol.leaseTtlMs once the holder stops renewing: died,
// SIGKILLed, cut off). A tick that claimed a whole batch is followed at once
// by the next.
//
// REAL is blocked by default: starting on a database whose `proof` control
// flag was never set sets it to aol.proof (true unless configured off);
// AOL_PROOF_MODE, when set, sets it at every start. PROOF off is a warning.
//
// A database that goes away does not end the loop: the tick counts as ERROR,
// the connection is dropped and the next tick opens a fresh one.
//
// RAII: the destructor (like stop()) cancels a running adapter, starts
// nothing more, gives the lease up and joins the thread, promptly (within
// the adapter's cancel: its driver gets SIGTERM, then SIGKILL after the
// driver kill grace). The public methods are thread-safe; a moved-from loop
// may only be destroyed or assigned to.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "runtime/aol/adapters.hpp"
#include "runtime/aol/tick.hpp"
#include "runtime/aol/tick_policy.hpp"
#include "runtime/result.hpp"

namespace troupe::aol {

struct loop_options {
  // The config: db (the connection), aol (the loop's settings), drivers and
  // activities (the adapters). Required.
  std::shared_ptr<const config::troupe_config> config;
  adapter_registry adapters;
  std::string driver_program;  // --driver; empty: drivers.command
  bool force_proof = false;    // --proof
  // AOL_PROOF_MODE: the `proof` control flag set at start; empty: seed only.
  std::optional<bool> proof_at_start;
  // The effective safety flags now (read every tick: a reload may change
  // them); empty: the config's flags with the environment applied at start.
  std::function<config::flags_config()> flags;
  std::string owner;           // empty: a new unique_owner()
  std::optional<std::int64_t> max_ticks;  // stop after this many ticks as the holder
  // Called on the loop's thread after every tick it ran as the holder (not
  // while standing by). Must not call stop().
  std::function<void(const tick_report&)> on_tick;
  // Whether ticks prune finished actions past aol.retentionMs (hourly):
  // `troupe daemon`, which runs no jobs; in `troupe run` job:cleanup does.
  bool prune_finished_actions = true;
  // Epoch ms; empty: the database's clock (read at every tick, the time
  // between measured with a steady clock).
  clock_function clock;
  std::optional<std::uint64_t> seed;  // of the backoff jitter; empty: random
};

// "HOST:PID:RANDOM", unique per process and call.
std::string unique_owner();

class aol_loop {
 public:
  // Opens the loop's connection to config->db (a database that migrations
  // already prepared), applies the PROOF flag's start value and starts the
  // thread. Fails when options are missing or invalid or the database
  // cannot be opened or written.
  static result<aol_loop> start(loop_options options);

  aol_loop(aol_loop&&) noexcept;
  aol_loop& operator=(aol_loop&&) noexcept;
  ~aol_loop();

  // Stops the loop and joins its thread. Idempotent.
  void stop();

  // True once the thread has ended (max_ticks reached, or stopped).
  bool finished() const;

  const std::string& owner() const;

 private:
  class running;
  explicit aol_loop(std::unique_ptr<running> state);
  std::unique_ptr<running> state_;
};

}  // namespace troupe::aol
