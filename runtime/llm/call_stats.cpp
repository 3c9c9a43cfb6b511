#include "runtime/llm/call_stats.hpp"

namespace troupe::llm {

void call_stats::add(const call_record& record) {
  const std::lock_guard<std::mutex> lock(mutex_);
  counts_.calls_total += 1;
  counts_.attempts += static_cast<std::uint64_t>(record.attempts);
  counts_.cost_usd += record.cost_usd;
  switch (record.status) {
    case call_status::ok:
      counts_.ok += 1;
      return;
    case call_status::failed:
      counts_.failed += 1;
      break;
    case call_status::refused:
      counts_.refused += 1;
      break;
  }
  counts_.failures_by_reason[record.failure_reason] += 1;
}

call_counts call_stats::snapshot() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

}  // namespace troupe::llm
