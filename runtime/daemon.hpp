// The running actor tree of `troupe run`: an actor system on CAF's real
// scheduler, the store actor and the supervisor with its pods. Built in the
// constructor; `apply_config` sends a new snapshot down the tree; `stop`
// drains (no new permits, running sessions finish within the grace period),
// then stops the tree (drivers still running are stopped) and flushes the
// store. The destructor stops it if `stop` was not called. Used from the
// main thread only, but for the questions (`inspect_supervisor`,
// `inspect_tree`, `answers_liveness_probe`, `summary`), which any thread may
// ask until `stop` begins (systemd's watchdog and the config reloader do).
// In cluster mode it also runs the cluster node actor, which leaves the
// cluster (releasing its pod leases) once the pods have stopped.
#pragma once

#include <atomic>
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "messages/inspect.hpp"
#include "runtime/cluster/node_settings.hpp"
#include "runtime/jobs/job_body.hpp"
#include "runtime/metrics.hpp"
#include "runtime/ops/service_status.hpp"

namespace troupe {

struct daemon_options {
  std::vector<std::string> pods;              // --pod: only these (empty = all)
  std::optional<std::string> driver_program;  // --driver
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(30)};
  std::shared_ptr<node_metrics> metrics;      // counts for the API; may be unset
  jobs::job_catalog jobs;                     // the bodies of the config's jobs (none: no jobs run)
  // Set: cluster mode; pods run here only under leases (actors/cluster_node.hpp).
  std::optional<cluster::node_settings> cluster{};
};

class daemon_tree {
 public:
  daemon_tree(std::shared_ptr<const config::troupe_config> config, const daemon_options& options);
  ~daemon_tree();
  daemon_tree(const daemon_tree&) = delete;
  daemon_tree& operator=(const daemon_tree&) = delete;

  // Sends `config` to the tree as version `version`.
  void apply_config(std::shared_ptr<const config::troupe_config> config, std::uint64_t version);

  caf::actor_system& system() { return *system_; }
  const caf::actor& supervisor() const { return supervisor_; }
  // Cluster mode: this node runs only the pods whose leases it holds.
  bool clustered() const { return static_cast<bool>(cluster_node_); }

  // The supervisor's own snapshot, or nullopt when it does not answer within `bound`.
  std::optional<msg::actor_snapshot> inspect_supervisor(std::chrono::milliseconds bound);

  // The whole tree, or nullopt when it is not complete within `bound` (the
  // supervisor leaves out a pod or account that does not answer its own probe).
  std::optional<msg::tree_snapshot> inspect_tree(std::chrono::milliseconds bound);

  // Returns true iff the supervisor and then the store each answered a
  // liveness probe, both within `bound`: false when either is wedged (busy
  // in one handler, or starved of CAF's scheduler threads) or gone.
  bool answers_liveness_probe(std::chrono::milliseconds bound);

  // The supervisor's pods, permits and config version; nullopt when it did
  // not answer within `bound`.
  std::optional<ops::tree_summary> summary(std::chrono::milliseconds bound);

  // Returns true iff the supervisor gave up (a pod crashed past its limit).
  bool escalated() const { return escalation_->escalated.load(); }
  // Why it gave up (the crashed child's error); empty unless escalated().
  std::string escalation_reason() const { return escalated() ? escalation_->reason : std::string(); }

  // Drains and stops the tree; returns how many sessions were still running
  // when the grace period ended (their drivers were stopped).
  int stop();

 private:
  int running_sessions();
  void stop_running_sessions();
  void hand_back_memory_once_started(std::size_t accounts);

  caf::actor_system_config system_config_;
  std::unique_ptr<caf::actor_system> system_;
  caf::actor store_;
  caf::actor cluster_node_;  // cluster mode only
  caf::actor supervisor_;
  std::chrono::milliseconds shutdown_grace_;
  // Written once, by the supervisor's exit: `reason` before `escalated`,
  // so a reader that sees escalated sees the reason.
  struct escalation {
    std::atomic<bool> escalated{false};
    std::string reason;
  };
  std::shared_ptr<escalation> escalation_ = std::make_shared<escalation>();
  bool stopped_ = false;
  // Its thread waits for every account to start, then hands back the
  // memory starting them freed; the tree's stop ends it first.
  std::mutex settling_mutex_;
  std::condition_variable settling_wake_;
  bool settling_stops_ = false;  // guarded by settling_mutex_
  std::thread settling_;
};

}  // namespace troupe
