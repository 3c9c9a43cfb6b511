// Counters of the LLM client's calls since start, for /api/metrics: calls by
// status, failures by reason, attempts and cost. Thread-safe: every method
// may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "runtime/llm/usage.hpp"

namespace troupe::llm {

struct call_counts {
  std::uint64_t calls_total = 0;  // every logical call, refused ones included
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
  std::uint64_t refused = 0;
  std::uint64_t attempts = 0;  // HTTP attempts
  double cost_usd = 0.0;
  std::map<std::string, std::uint64_t> failures_by_reason;  // failed and refused calls
};

class call_stats {
 public:
  // Counts `record`.
  void add(const call_record& record);

  // The counts so far.
  call_counts snapshot() const;

 private:
  mutable std::mutex mutex_;
  call_counts counts_;  // guarded by mutex_
};

}  // namespace troupe::llm
