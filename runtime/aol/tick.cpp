#include "runtime/aol/tick.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>
#include <utility>

#include "runtime/store/aol_claims.hpp"
#include "runtime/store/aol_control_flags.hpp"
#include "runtime/store/aol_execution_logs.hpp"
#include "runtime/store/aol_tick_ledger.hpp"
#include "runtime/store/database_clock.hpp"

namespace troupe::aol {
namespace {

// A store call failed: the tick ends as ERROR. Only thrown and caught in
// this file.
struct tick_failure {
  std::string message;
};

template <class T>
T expect(result<T> outcome) {
  if (!outcome) throw tick_failure{outcome.failure().message};
  return std::move(outcome).value();
}

void expect(const status& outcome) {
  if (!outcome) throw tick_failure{outcome.failure().message};
}

store::attempt_outcome logged_outcome(const settlement& write) {
  switch (write.write) {
    case settlement::kind::complete:
      return store::attempt_outcome::succeeded;
    case settlement::kind::request_decision:
      return store::attempt_outcome::needs_decision;
    case settlement::kind::hold:
    case settlement::kind::prove:
      // Neither used the attempt up: the log keeps the reason or the artifact.
      return store::attempt_outcome::succeeded;
    case settlement::kind::fail:
      break;
  }
  return store::attempt_outcome::failed;
}

// Writes a failure; false when the write was refused (fenced).
bool record_failure(store::database& db, const store::action& action, const settlement& write,
                    std::int64_t now_ms) {
  const auto outcome =
      expect(store::fail_action(db, action.id, action.lease_token, write.failure, now_ms));
  if (outcome == store::failure_outcome::dead_lettered) {
    spdlog::warn("AOL: action {} ({}) is in the DLQ after attempt {}/{}: {}", action.id,
                 action.type, action.attempts, action.max_attempts, write.failure.error);
  } else if (outcome == store::failure_outcome::retrying) {
    spdlog::info("AOL: action {} ({}) attempt {}/{} failed, retrying in {} ms: {}", action.id,
                 action.type, action.attempts, action.max_attempts, write.failure.retry_delay_ms,
                 write.failure.error);
  }
  return outcome != store::failure_outcome::fenced;
}

// Writes the settlement; false when the write was refused (fenced).
bool write_settlement(store::database& db, const store::action& action, const settlement& write,
                      std::int64_t now_ms) {
  const auto id = action.id;
  const auto token = action.lease_token;
  switch (write.write) {
    case settlement::kind::complete:
      return expect(store::complete_action(db, id, token, now_ms));
    case settlement::kind::request_decision:
      return expect(store::request_decision(db, id, token, now_ms));
    case settlement::kind::hold:
      return expect(store::hold_action(db, id, token, write.held_reason,
                                       now_ms + write.recheck_delay_ms, now_ms));
    case settlement::kind::prove:
      return expect(store::prove_action(db, id, token, write.artifact, now_ms));
    case settlement::kind::fail:
      break;
  }
  return record_failure(db, action, write, now_ms);
}

// Says once per action and reason why it is held, not on every recheck.
void log_hold(const store::action& action, const adapter_outcome& outcome) {
  if (action.held_reason == outcome.error) return;
  spdlog::info("skipped {} action={} reason={}", outcome.held_effect, action.id, outcome.error);
}

std::optional<std::string> unless_empty(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace

// One claimed action whose adapter runs (or ran) on a thread of its own.
struct tick_runner::attempt {
  store::action action;
  std::int64_t log_id = 0;
  bool proof = false;
  config::flags_config flags;
  std::shared_ptr<driver::cancel_token> cancel = std::make_shared<driver::cancel_token>();
  std::atomic<bool> lost{false};  // claimed by another holder: its outcome will be fenced
  bool ended = false;             // under attempts_mutex_
  adapter_outcome outcome;        // under attempts_mutex_, once ended
  std::thread thread;
};

tick_runner::tick_runner(tick_environment environment, std::uint64_t seed)
    : local_clock_(environment.clock), env_(std::move(environment)), random_(seed) {
  env_.clock = [this] { return local_clock_() + clock_offset_ms_.load(); };
}

tick_runner::~tick_runner() {
  interrupt();  // also wakes adapters waiting to renew their lease
  join_running();
}

tick_result tick_runner::run(store::database& db) {
  tick_result result;
  std::unique_lock<std::mutex> db_lock(db_mutex_);
  db_ = &db;
  try {
    run_holder_tick(db, db_lock, result);
  } catch (const tick_failure& failure) {
    spdlog::error("AOL: tick failed: {}", failure.message);
    result.database_failed = true;
    result.batch_full = false;
    result.report.status = store::tick_status::error;
    result.report.error = failure.message;
  }
  db_ = nullptr;
  return result;
}

void tick_runner::run_holder_tick(store::database& db, std::unique_lock<std::mutex>& db_lock,
                                  tick_result& result) {
  auto& report = result.report;
  read_database_clock(db);
  const auto started_ms = env_.clock();
  const auto& settings = env_.settings;
  auto lease = expect(store::try_acquire_or_renew_lease(db, loop_lease_name, env_.owner,
                                                        started_ms, settings.lease_ttl_ms));
  if (!lease) {
    held_.reset();
    cancel_running();  // another daemon holds the queue: our writes would be fenced
    result.standby = true;
    const auto stored = expect(store::load_lease(db, loop_lease_name));
    if (stored) result.holder = stored->owner;
    return;
  }
  held_ = lease;
  const auto control = expect(store::load_control_flags(db));
  const bool proof = control.proof || env_.force_proof;
  const auto flags = env_.flags ? env_.flags() : env_.base_context.flags;
  std::optional<std::int64_t> tick_id;
  try {
    tick_id = expect(store::begin_tick(db, env_.owner, lease->epoch, started_ms));
    notice_switches(db, flags, proof);
    if (control.paused) {
      record_finished(db, report);
      report.status = store::tick_status::paused;
    } else {
      expect(store::skip_expired_decisions(db, env_.clock(), settings.decision_timeout_ms));
      record_finished(db, report);
      renew_running(db);
      const int limit = interrupted_.load() ? 0 : claim_limit(settings, running_attempts());
      const auto batch = limit == 0 ? std::vector<store::action>{}
                                    : expect(store::claim_due_actions(
                                          db, env_.owner, env_.clock(), settings.action_lease_ms, limit));
      result.batch_full = limit > 0 && static_cast<int>(batch.size()) == limit;
      const auto started = start_attempts(db, batch, proof, flags);
      wait_for(started, db_lock);
      record_finished(db, report);
      prune_if_due(db);
      report.status = store::tick_status::success;
    }
    const auto finished_ms = env_.clock();
    expect(store::finish_tick(db, *tick_id, report.status, report.attempted, report.succeeded,
                              finished_ms));
    report.duration_ms = finished_ms - started_ms;
  } catch (const tick_failure&) {
    report.duration_ms = env_.clock() - started_ms;
    if (tick_id) {
      // Best effort: the database may be what failed.
      (void)store::finish_tick(db, *tick_id, store::tick_status::error, report.attempted,
                               report.succeeded, env_.clock());
    }
    throw;
  }
}

void tick_runner::notice_switches(store::database& db, const config::flags_config& flags,
                                  bool proof) {
  const auto posting = posting_allowed(flags);
  if (last_posting_gate_ && *last_posting_gate_ != posting) {
    const auto woken = expect(store::wake_held_actions(db, env_.clock()));
    spdlog::info("AOL: posting is {} now; {} held actions are looked at again",
                 posting.allowed ? "allowed" : "blocked (" + posting.reason + ")", woken);
  }
  last_posting_gate_ = posting;
  if (last_proof_.value_or(false) && !proof) {
    spdlog::warn("AOL: PROOF mode is off: actions now change things outside for real");
  }
  last_proof_ = proof;
}

std::vector<std::int64_t> tick_runner::start_attempts(store::database& db,
                                                      const std::vector<store::action>& batch,
                                                      bool proof,
                                                      const config::flags_config& flags) {
  std::vector<std::int64_t> started;
  for (const auto& claimed : batch) {
    auto running = std::make_unique<attempt>();
    running->action = claimed;
    running->proof = proof;
    running->flags = flags;
    running->log_id = expect(store::log_attempt_start(db, claimed.id, claimed.attempts,
                                                      claimed.lease_token, env_.clock()));
    // An interrupt that came before this attempt was registered still counts.
    if (interrupted_.load()) running->cancel->cancel();
    auto& registered = *running;
    {
      std::lock_guard<std::mutex> lock(attempts_mutex_);
      attempts_[claimed.id] = std::move(running);
    }
    registered.thread = std::thread([this, &registered] { run_adapter(registered); });
    started.push_back(claimed.id);
  }
  return started;
}

void tick_runner::run_adapter(attempt& running) {
  adapter_context context = env_.base_context;
  context.proof = running.proof;
  context.flags = running.flags;
  context.artifact_dir = env_.settings.artifact_dir;
  context.cancel = running.cancel;
  context.renew = [this, &running] { return renew_now(running); };
  // A renew between ticks is left to the next tick, at most a tick away.
  context.renewed_lease = std::chrono::milliseconds(env_.settings.action_lease_ms - env_.settings.tick_ms);
  auto outcome = env_.adapters.run(running.action, context);
  {
    std::lock_guard<std::mutex> lock(attempts_mutex_);
    running.outcome = std::move(outcome);
    running.ended = true;
  }
  attempt_ended_.notify_all();
}

void tick_runner::wait_for(const std::vector<std::int64_t>& started,
                           std::unique_lock<std::mutex>& db_lock) {
  if (started.empty() && renewals_waiting_.load() == 0) return;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(renew_interval_ms(env_.settings));
  db_lock.unlock();  // adapters may renew their leases meanwhile
  database_free_.notify_all();
  {
    std::unique_lock<std::mutex> lock(attempts_mutex_);
    attempt_ended_.wait_until(lock, deadline, [&] {
      if (renewals_waiting_.load() > 0) return false;
      for (const auto id : started) {
        if (!attempts_.at(id)->ended) return false;
      }
      return true;
    });
  }
  db_lock.lock();
}

void tick_runner::record_finished(store::database& db, tick_report& report) {
  std::vector<std::int64_t> ended;
  {
    std::lock_guard<std::mutex> lock(attempts_mutex_);
    for (const auto& [id, running] : attempts_) {
      if (running->ended) ended.push_back(id);
    }
  }
  for (const auto id : ended) {
    auto& finished = *attempts_.at(id);
    if (finished.thread.joinable()) finished.thread.join();
    record(db, finished, report);
    std::lock_guard<std::mutex> lock(attempts_mutex_);
    attempts_.erase(id);
  }
}

void tick_runner::record(store::database& db, attempt& finished, tick_report& report) {
  const auto& action = finished.action;
  const auto& outcome = finished.outcome;
  const auto write = settle(outcome, action.attempts, env_.settings, random_);
  const auto now_ms = env_.clock();
  const bool recorded = write_settlement(db, action, write, now_ms);
  if (!recorded) {
    spdlog::warn("AOL: the outcome of action {} (attempt {}, token {}) was refused: another "
                 "holder has it (fenced)",
                 action.id, action.attempts, action.lease_token);
  } else if (write.write == settlement::kind::hold) {
    log_hold(action, outcome);
  }
  const auto logged = recorded ? logged_outcome(write) : store::attempt_outcome::fenced;
  const auto note = write.write == settlement::kind::hold ? "held: " + write.held_reason : outcome.error;
  expect(store::log_attempt_end(db, finished.log_id, logged, unless_empty(note), outcome.artifact,
                                now_ms));
  ++report.attempted;
  if (recorded && write.write == settlement::kind::complete) ++report.succeeded;
}

void tick_runner::read_database_clock(store::database& db) {
  if (!env_.database_clock) return;
  const auto asked_ms = local_clock_();
  const auto database_ms = expect(store::read_database_clock_ms(db));
  clock_offset_ms_.store(database_clock_offset_ms(asked_ms, database_ms, local_clock_()));
}

void tick_runner::renew_running(store::database& db) {
  std::vector<attempt*> running;
  {
    std::lock_guard<std::mutex> lock(attempts_mutex_);
    for (const auto& entry : attempts_) running.push_back(entry.second.get());
  }
  const auto expires_at_ms = env_.clock() + env_.settings.action_lease_ms;
  for (auto* each : running) {
    if (each->lost.load()) continue;
    const auto& action = each->action;
    if (!expect(store::renew_action_lease(db, action.id, action.lease_token, env_.owner,
                                          expires_at_ms))) {
      mark_lost(*each);
    }
  }
}

bool tick_runner::renew_now(attempt& running) {
  ++renewals_waiting_;
  const bool renewed = renew_at_tick(running);
  {
    // Under the mutex, so that a tick about to wait cannot miss it.
    std::lock_guard<std::mutex> lock(attempts_mutex_);
    --renewals_waiting_;
  }
  attempt_ended_.notify_all();
  return renewed;
}

bool tick_runner::renew_at_tick(attempt& running) {
  std::unique_lock<std::mutex> lock(db_mutex_);
  const auto& action = running.action;
  // The database is free while a tick waits for its attempts: between ticks
  // the renewal waits for the next one (a tick that stands by or is paused
  // waits for none, and then nothing is renewed).
  const auto limit = std::chrono::milliseconds(renew_interval_ms(env_.settings) + 2 * env_.settings.tick_ms);
  const bool ready = database_free_.wait_for(
      lock, limit, [&] { return db_ != nullptr || running.lost.load() || interrupted_.load(); });
  if (running.lost.load() || interrupted_.load()) return false;
  if (!ready) {
    spdlog::warn("AOL: cannot renew the lease of action {}: no tick came within {} ms", action.id, limit.count());
    return false;
  }
  auto renewed = store::renew_action_lease(*db_, action.id, action.lease_token, env_.owner,
                                           env_.clock() + env_.settings.action_lease_ms);
  if (!renewed) {
    // Whether the lease still holds is unknown: nothing irreversible may
    // start on it. The next renewal or the final write will tell more.
    spdlog::warn("AOL: cannot renew the lease of action {}: {}", action.id,
                 renewed.failure().message);
    return false;
  }
  if (!*renewed) mark_lost(running);
  return *renewed;
}

void tick_runner::mark_lost(attempt& running) {
  running.lost.store(true);
  running.cancel->cancel();
  spdlog::warn("AOL: action {} was claimed by another holder; stopping its attempt", running.action.id);
}

void tick_runner::cancel_running() {
  std::lock_guard<std::mutex> lock(attempts_mutex_);
  for (const auto& entry : attempts_) entry.second->cancel->cancel();
}

void tick_runner::join_running() {
  for (auto& entry : attempts_) {
    if (entry.second->thread.joinable()) entry.second->thread.join();
  }
}

int tick_runner::running_attempts() {
  std::lock_guard<std::mutex> lock(attempts_mutex_);
  return static_cast<int>(attempts_.size());
}

void tick_runner::prune_if_due(store::database& db) {
  const auto now_ms = env_.clock();
  if (!env_.settings.prune_finished || !prune_due(last_prune_ms_, now_ms)) return;
  const auto pruned =
      expect(store::prune_terminal_actions(db, now_ms - env_.settings.retention_ms));
  last_prune_ms_ = now_ms;
  if (pruned > 0) spdlog::info("AOL: pruned {} finished actions past retention", pruned);
}

void tick_runner::release(store::database& db) {
  cancel_running();
  join_running();
  {
    std::lock_guard<std::mutex> db_lock(db_mutex_);
    tick_report ignored;
    try {
      record_finished(db, ignored);
    } catch (const tick_failure& failure) {
      spdlog::warn("AOL: cannot record the last attempts' outcomes: {}", failure.message);
    }
  }
  if (!held_) return;
  auto released = store::release_lease(db, loop_lease_name, env_.owner, held_->epoch);
  if (!released) spdlog::warn("AOL: cannot release the lease: {}", released.failure().message);
  held_.reset();
}

void tick_runner::interrupt() {
  interrupted_.store(true);
  // Unlocked (the tick may hold the mutex long): a renewal that misses it
  // gives up at its limit anyway.
  database_free_.notify_all();
  cancel_running();
}

}  // namespace troupe::aol
