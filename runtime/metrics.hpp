// What the daemon counts for /api/metrics and /metrics: sessions by activity
// and outcome, skips by reason, the handoff delays drawn, recoveries, pod
// restarts, config reloads, the posting orchestrator's skips and waits by
// reason and the learn job's runs. Actors on any thread record into one shared
// instance; the API reads a consistent snapshot. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/http/prometheus.hpp"

namespace troupe {

struct metrics_snapshot {
  std::map<std::string, std::map<std::string, std::uint64_t>> sessions;  // activity -> outcome -> count
  std::map<std::string, std::uint64_t> skips;                             // reason -> count
  // The reference handoff runs 15 s .. 15 min around a 54 s mode.
  http::histogram_data handoff_delays_s{{15, 30, 45, 60, 90, 120, 180, 300, 600, 900}};
  std::uint64_t recoveries = 0;
  std::uint64_t restarts = 0;
  std::uint64_t reloads_succeeded = 0;
  std::uint64_t reloads_failed = 0;
  bool last_reload_successful = true;
  // Decisions the posting orchestrator kept back, once per decision and
  // reason: shadow_mode, posting_disabled, ..., min_post_interval, synthetic_content.
  std::map<std::string, std::uint64_t> post_skips;
  std::uint64_t learn_runs = 0;  // runs of job:learn, skipped ones included
};

class node_metrics {
 public:
  void session_ended(const std::string& activity, const std::string& outcome);
  void skipped(const std::string& reason);
  void handoff_drawn(std::int64_t delay_ms);
  void recovery_started();
  void pod_restarted();
  void config_reloaded(bool succeeded);
  void post_skipped(const std::string& reason);
  void learn_ran();

  metrics_snapshot snapshot() const;

 private:
  mutable std::mutex mutex_;
  metrics_snapshot counts_;
};

}  // namespace troupe
