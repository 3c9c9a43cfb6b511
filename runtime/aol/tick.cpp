#include "runtime/aol/tick.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <thread>
#include <utility>

#include "runtime/store/aol_claims.hpp"
#include "runtime/store/aol_control_flags.hpp"
#include "runtime/store/aol_execution_logs.hpp"
#include "runtime/store/aol_tick_ledger.hpp"

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

// Keeps an attempt's action lease and the daemon's lease alive while the
// adapter runs, from a thread of its own, and cancels the attempt once the
// action was claimed by another holder. The database is the tick's: the
// tick's thread leaves it alone until the keeper is destroyed, except
// through renew_now(), which takes the same lock.
class lease_keeper {
 public:
  lease_keeper(store::database& db, const tick_environment& env, const store::action& action,
               std::shared_ptr<driver::cancel_token> cancel)
      : db_(db), env_(env), action_(action), cancel_(std::move(cancel)),
        thread_([this] { keep(); }) {}

  ~lease_keeper() {
    {
      std::lock_guard<std::mutex> lock(wake_mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  lease_keeper(const lease_keeper&) = delete;
  lease_keeper& operator=(const lease_keeper&) = delete;

  // Renews both leases now; false once the action is lost. A store error
  // changes nothing: the next renewal or the final write will tell.
  bool renew_now() {
    std::lock_guard<std::mutex> lock(db_mutex_);
    if (action_lost_) return false;
    const auto now = env_.clock();
    const auto& settings = env_.settings;
    auto renewed = store::renew_action_lease(db_, action_.id, action_.lease_token, env_.owner,
                                             now + settings.action_lease_ms);
    if (!renewed) {
      spdlog::warn("AOL: cannot renew the lease of action {}: {}", action_.id,
                   renewed.failure().message);
    } else if (!*renewed) {
      action_lost_ = true;
      cancel_->cancel();
      spdlog::warn("AOL: action {} was claimed by another holder; stopping its attempt",
                   action_.id);
    }
    auto daemon = store::try_acquire_or_renew_lease(db_, loop_lease_name, env_.owner, now,
                                                    settings.lease_ttl_ms);
    if (!daemon) {
      spdlog::warn("AOL: cannot renew the daemon lease: {}", daemon.failure().message);
    } else if (!daemon->has_value()) {
      daemon_lease_lost_ = true;
    }
    return !action_lost_;
  }

  // Whether another daemon took the daemon lease meanwhile.
  bool daemon_lease_lost() {
    std::lock_guard<std::mutex> lock(db_mutex_);
    return daemon_lease_lost_;
  }

 private:
  void keep() {
    const std::chrono::milliseconds interval(renew_interval_ms(env_.settings));
    std::unique_lock<std::mutex> lock(wake_mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return done_; })) {
      lock.unlock();
      renew_now();
      lock.lock();
    }
  }

  store::database& db_;
  const tick_environment& env_;
  const store::action& action_;
  std::shared_ptr<driver::cancel_token> cancel_;
  std::mutex db_mutex_;  // the database, action_lost_, daemon_lease_lost_
  bool action_lost_ = false;
  bool daemon_lease_lost_ = false;
  std::mutex wake_mutex_;  // done_
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;  // last: starts once everything above is ready
};

store::attempt_outcome logged_outcome(const settlement& write) {
  switch (write.write) {
    case settlement::kind::complete:
      return store::attempt_outcome::succeeded;
    case settlement::kind::request_decision:
      return store::attempt_outcome::needs_decision;
    case settlement::kind::fail:
      break;
  }
  return store::attempt_outcome::failed;
}

// Writes the settlement; false when the write was refused (fenced).
bool record(store::database& db, const store::action& action, const settlement& write,
            std::int64_t now_ms) {
  switch (write.write) {
    case settlement::kind::complete:
      return expect(store::complete_action(db, action.id, action.lease_token, now_ms));
    case settlement::kind::request_decision:
      return expect(store::request_decision(db, action.id, action.lease_token, now_ms));
    case settlement::kind::fail:
      break;
  }
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

std::optional<std::string> unless_empty(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace

tick_runner::tick_runner(tick_environment environment, std::uint64_t seed)
    : env_(std::move(environment)), random_(seed) {}

tick_result tick_runner::run(store::database& db) {
  tick_result result;
  auto& report = result.report;
  const auto started_ms = env_.clock();
  std::optional<std::int64_t> tick_id;
  try {
    const auto& settings = env_.settings;
    auto lease = expect(store::try_acquire_or_renew_lease(db, loop_lease_name, env_.owner,
                                                          started_ms, settings.lease_ttl_ms));
    if (!lease) {
      held_.reset();
      result.standby = true;
      const auto stored = expect(store::load_lease(db, loop_lease_name));
      if (stored) result.holder = stored->owner;
      return result;
    }
    held_ = lease;
    last_lease_renewal_ms_ = started_ms;
    lease_lost_ = false;
    const auto flags = expect(store::load_control_flags(db));
    tick_id = expect(store::begin_tick(db, env_.owner, lease->epoch, started_ms));
    if (flags.paused) {
      report.status = store::tick_status::paused;
    } else {
      expect(store::skip_expired_decisions(db, env_.clock(), settings.decision_timeout_ms));
      const auto batch =
          interrupted_.load()
              ? std::vector<store::action>{}
              : expect(store::claim_due_actions(db, env_.owner, env_.clock(),
                                                settings.action_lease_ms, settings.max_batch));
      result.batch_full = static_cast<int>(batch.size()) == settings.max_batch;
      const bool proof = flags.proof || env_.force_proof;
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (interrupted_.load() || !still_holder(db)) {
          spdlog::info("AOL: {} claimed actions left to their lease expiry ({})",
                       batch.size() - i, interrupted_.load() ? "stopping" : "lease lost");
          result.batch_full = false;
          break;
        }
        ++report.attempted;
        if (run_attempt(db, batch[i], proof)) ++report.succeeded;
      }
      prune_if_due(db);
      report.status = store::tick_status::success;
    }
    const auto finished_ms = env_.clock();
    expect(store::finish_tick(db, *tick_id, report.status, report.attempted, report.succeeded,
                              finished_ms));
    report.duration_ms = finished_ms - started_ms;
  } catch (const tick_failure& failure) {
    spdlog::error("AOL: tick failed: {}", failure.message);
    result.database_failed = true;
    result.batch_full = false;
    report.status = store::tick_status::error;
    report.error = failure.message;
    const auto finished_ms = env_.clock();
    report.duration_ms = finished_ms - started_ms;
    if (tick_id) {
      // Best effort: the database may be what failed.
      (void)store::finish_tick(db, *tick_id, store::tick_status::error, report.attempted,
                               report.succeeded, finished_ms);
    }
  }
  return result;
}

bool tick_runner::run_attempt(store::database& db, const store::action& action, bool proof) {
  const auto attempt_id = expect(store::log_attempt_start(db, action.id, action.attempts,
                                                          action.lease_token, env_.clock()));
  adapter_outcome outcome;
  {
    auto cancel = new_attempt_token();
    lease_keeper keeper(db, env_, action, cancel);
    adapter_context context = env_.base_context;
    context.proof = proof;
    context.artifact_dir = env_.settings.artifact_dir;
    context.cancel = cancel;
    context.renew = [&keeper] { return keeper.renew_now(); };
    outcome = env_.adapters.run(action, context);
    if (keeper.daemon_lease_lost()) lease_lost_ = true;
  }
  clear_attempt_token();
  const auto write = settle(outcome, action.attempts, env_.settings.backoff, random_);
  const auto now_ms = env_.clock();
  const bool recorded = record(db, action, write, now_ms);
  if (!recorded) {
    spdlog::warn("AOL: the outcome of action {} (attempt {}, token {}) was refused: another "
                 "holder has it (fenced)",
                 action.id, action.attempts, action.lease_token);
  }
  const auto logged = recorded ? logged_outcome(write) : store::attempt_outcome::fenced;
  expect(store::log_attempt_end(db, attempt_id, logged, unless_empty(outcome.error),
                                outcome.artifact, now_ms));
  return recorded && write.write == settlement::kind::complete;
}

bool tick_runner::still_holder(store::database& db) {
  if (lease_lost_) return false;
  const auto now_ms = env_.clock();
  if (now_ms - last_lease_renewal_ms_ < renew_interval_ms(env_.settings)) return true;
  auto lease = expect(store::try_acquire_or_renew_lease(db, loop_lease_name, env_.owner, now_ms,
                                                        env_.settings.lease_ttl_ms));
  last_lease_renewal_ms_ = now_ms;
  held_ = lease;
  lease_lost_ = !lease.has_value();
  return !lease_lost_;
}

void tick_runner::prune_if_due(store::database& db) {
  const auto now_ms = env_.clock();
  if (!prune_due(last_prune_ms_, now_ms)) return;
  const auto pruned =
      expect(store::prune_terminal_actions(db, now_ms - env_.settings.retention_ms));
  last_prune_ms_ = now_ms;
  if (pruned > 0) spdlog::info("AOL: pruned {} finished actions past retention", pruned);
}

void tick_runner::release(store::database& db) {
  if (!held_) return;
  auto released = store::release_lease(db, loop_lease_name, env_.owner, held_->epoch);
  if (!released) spdlog::warn("AOL: cannot release the lease: {}", released.failure().message);
  held_.reset();
}

void tick_runner::interrupt() {
  interrupted_.store(true);
  std::lock_guard<std::mutex> lock(attempt_mutex_);
  if (current_attempt_) current_attempt_->cancel();
}

std::shared_ptr<driver::cancel_token> tick_runner::new_attempt_token() {
  auto token = std::make_shared<driver::cancel_token>();
  std::lock_guard<std::mutex> lock(attempt_mutex_);
  current_attempt_ = token;
  // An interrupt that came before this attempt was registered still counts.
  if (interrupted_.load()) token->cancel();
  return token;
}

void tick_runner::clear_attempt_token() {
  std::lock_guard<std::mutex> lock(attempt_mutex_);
  current_attempt_.reset();
}

}  // namespace troupe::aol
