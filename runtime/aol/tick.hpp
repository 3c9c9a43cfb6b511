// One tick of the autonomous operations loop against a database, without a
// thread of its own (runtime/aol/loop.hpp gives it one). A tick:
//
//   1. takes or renews the single-daemon lease; a standby stops here (and
//      cancels the attempts it still runs: another daemon holds the queue);
//   2. reads the control flags and the effective safety flags: a change of
//      the posting switches makes every held action due again, and PROOF
//      turned off is logged as a warning; paused records a PAUSED tick and
//      claims nothing (attempts already running go on);
//   3. begins the tick in the ledger and skips expired decisions;
//   4. records the outcome of every attempt that ended since the last tick,
//      renews the leases of those still running, claims due actions up to
//      the free adapter slots (aol.maxParallel, at most aol.maxBatch) and
//      starts each on a thread of its own;
//   5. waits for the attempts it started, at most renew_interval_ms: one
//      long action goes on across ticks without holding the others;
//   6. records what ended, prunes finished actions past retention (at most
//      hourly, unless settings.prune_finished is off) and finishes the tick
//      with its counts.
//
// An outcome is written conditional on the action's token: a refused
// (fenced) write is logged FENCED and does not count as a success. A held
// outcome returns the action to PENDING with its reason, its attempt given
// back; a PROOF outcome leaves it PROOFED with its artifact.
//
// Any store error ends the tick as ERROR (claimed actions not yet recorded
// stay RUNNING until their lease expires, then are claimed again) and tells
// the caller to reconnect. Times come from the environment's clock, so tests
// run ticks on virtual time.
//
// A runner is used by one thread at a time, except interrupt(), which any
// thread may call; adapters run on the runner's own threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/aol/adapters.hpp"
#include "runtime/aol/tick_policy.hpp"
#include "runtime/effect_gates.hpp"
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
  // The effective safety flags now, read at every tick (a reload may change
  // them); empty: the base context's flags.
  std::function<config::flags_config()> flags;
  std::string owner;         // this daemon, unique per process
  bool force_proof = false;  // --proof: PROOF mode whatever the flag says
  clock_function clock;
  // Whether the tick's times (the loop's lease, the actions' leases, every
  // time written) are the database's: each tick first reads the database's
  // clock, and `clock` then only measures the time since (a monotonic clock
  // is best). Daemons whose clocks disagree then still agree on who holds
  // a lease. Off: `clock` is the time.
  bool database_clock = false;
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
  // Cancels the attempts still running and waits for them; their outcomes
  // are left to their leases' expiry (release() records them).
  ~tick_runner();
  tick_runner(const tick_runner&) = delete;
  tick_runner& operator=(const tick_runner&) = delete;

  tick_result run(store::database& db);

  // The lease as this runner last took it, if it holds it.
  const std::optional<store::lease>& lease() const { return held_; }

  // Cancels the attempts still running, waits for them and records their
  // outcomes, then gives the lease up, if held, so that a standby need not
  // wait for it to expire. Best effort: a failure is logged.
  void release(store::database& db);

  // Stops the current tick: cancels the running adapters and starts no more
  // actions. Thread-safe; lasting (later ticks start nothing either).
  void interrupt();

  // How many attempts are running now.
  int running_attempts();

 private:
  struct attempt;
  struct tick_counts;

  void run_holder_tick(store::database& db, std::unique_lock<std::mutex>& db_lock,
                       tick_result& result);
  void notice_switches(store::database& db, const config::flags_config& flags, bool proof);
  std::vector<std::int64_t> start_attempts(store::database& db,
                                           const std::vector<store::action>& batch, bool proof,
                                           const config::flags_config& flags);
  void run_adapter(attempt& running);
  void wait_for(const std::vector<std::int64_t>& started, std::unique_lock<std::mutex>& db_lock);
  void record_finished(store::database& db, tick_report& report);
  void record(store::database& db, attempt& finished, tick_report& report);
  void renew_running(store::database& db);
  bool renew_now(attempt& running);
  bool renew_at_tick(attempt& running);
  // The action was claimed by another holder: cancel its attempt.
  void mark_lost(attempt& running);
  void cancel_running();
  void join_running();
  void prune_if_due(store::database& db);
  // With env_.database_clock: sets the offset from the local clock to the
  // database's.
  void read_database_clock(store::database& db);

  // The local clock as given; env_.clock reads it with clock_offset_ms_ added.
  clock_function local_clock_;
  std::atomic<std::int64_t> clock_offset_ms_{0};
  tick_environment env_;
  policy::rng random_;
  std::optional<store::lease> held_;
  std::optional<std::int64_t> last_prune_ms_;
  std::optional<gate_decision> last_posting_gate_;
  std::optional<bool> last_proof_;
  std::atomic<bool> interrupted_{false};
  // The tick's database: the tick's thread holds db_mutex_ while it uses it,
  // except while it waits for attempts; adapters renew their lease through
  // it meanwhile (adapter_context::renew). Null between ticks.
  std::mutex db_mutex_;
  store::database* db_ = nullptr;
  // The attempts running or ended but not yet recorded, by action id. Only
  // the tick's thread changes the map, under attempts_mutex_ (interrupt()
  // reads it from any thread); an attempt's `ended` and `outcome` are
  // written by its own thread under the same mutex.
  std::map<std::int64_t, std::unique_ptr<attempt>> attempts_;
  std::mutex attempts_mutex_;
  std::condition_variable attempt_ended_;
  // With db_mutex_: the tick let go of the database to wait for its attempts.
  std::condition_variable database_free_;
  // Adapters waiting in renew_now: a tick lets go of the database for them
  // even when it started no attempt.
  std::atomic<int> renewals_waiting_{0};
};

}  // namespace troupe::aol
