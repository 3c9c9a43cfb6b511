// How HTTP handlers talk to the actor tree without blocking the I/O thread:
// each call spawns a short-lived actor that sends one request to the
// supervisor and hands the reply (or the error, e.g. a timeout) to a
// callback, on a CAF thread. Thread-safe.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "messages/inspect.hpp"
#include "messages/jobs.hpp"
#include "runtime/result.hpp"

namespace troupe::http {

class actor_bridge {
 public:
  actor_bridge(caf::actor_system& system, caf::actor supervisor,
               std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // The whole tree, parents before children.
  void tree(std::function<void(result<msg::tree_snapshot>)> done) const;
  // The supervisor's own snapshot.
  void supervisor(std::function<void(result<msg::actor_snapshot>)> done) const;
  // One account's snapshot, asked of the account's own actor; nullopt when no pod here runs it.
  void account(const std::string& account_id,
               std::function<void(result<std::optional<msg::actor_snapshot>>)> done) const;
  // Runs `action` once, on a CAF thread, `delay` from now; never while the
  // actor system shuts down (nobody waits for a pending one).
  void after(std::chrono::milliseconds delay, std::function<void()> action) const;
  // Stops (true) or resumes (false) granting permits.
  void set_paused(bool paused) const;
  // Clears an account's recovery: true when the account runs, false when unknown.
  void clear_recovery(const std::string& account_id, std::function<void(result<bool>)> done) const;
  // Every job's status and runs.
  void jobs(std::function<void(result<msg::jobs_view>)> done) const;
  // Starts one run of `job` now: its run id, or why not.
  void run_job(const std::string& job, std::function<void(result<msg::job_run_reply>)> done) const;

 private:
  caf::actor_system& system_;
  caf::actor supervisor_;
  std::chrono::milliseconds timeout_;
};

}  // namespace troupe::http
