#include "runtime/metrics.hpp"

namespace troupe {

void node_metrics::session_ended(const std::string& activity, const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_.sessions[activity][outcome];
}

void node_metrics::skipped(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_.skips[reason];
}

void node_metrics::handoff_drawn(std::int64_t delay_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  counts_.handoff_delays_s.observe(static_cast<double>(delay_ms) / 1000.0);
}

void node_metrics::recovery_started() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_.recoveries;
}

void node_metrics::pod_restarted() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_.restarts;
}

void node_metrics::config_reloaded(bool succeeded) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++(succeeded ? counts_.reloads_succeeded : counts_.reloads_failed);
  counts_.last_reload_successful = succeeded;
}

void node_metrics::post_skipped(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_.post_skips[reason];
}

void node_metrics::learn_ran() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_.learn_runs;
}

metrics_snapshot node_metrics::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

}  // namespace troupe
