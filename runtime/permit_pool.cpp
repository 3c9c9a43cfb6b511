#include "runtime/permit_pool.hpp"

#include <algorithm>
#include <iterator>

namespace troupe {

permit_pool::permit_pool(int capacity) : capacity_(0) { resize(capacity); }

void permit_pool::resize(int capacity) {
  capacity_ = std::max(capacity, 0);
  const int idle_wanted = std::max(capacity_ - in_use(), 0);
  while (static_cast<int>(idle_slots_.size()) < idle_wanted) idle_slots_.push_back(0);
  if (static_cast<int>(idle_slots_.size()) > idle_wanted) {
    // Retire the permits that become grantable last.
    std::sort(idle_slots_.begin(), idle_slots_.end());
    idle_slots_.resize(idle_wanted);
  }
}

void permit_pool::enqueue(permit_waiter waiter) {
  auto& queue = queues_[waiter.pod];
  if (queue.empty()) pod_turns_.push_back(waiter.pod);
  queue.push_back(std::move(waiter));
}

bool permit_pool::cancel(std::uint64_t request_id) {
  for (auto it = queues_.begin(); it != queues_.end(); ++it) {
    auto& queue = it->second;
    auto found = std::find_if(queue.begin(), queue.end(),
                              [&](const permit_waiter& w) { return w.request_id == request_id; });
    if (found == queue.end()) continue;
    queue.erase(found);
    if (queue.empty()) {
      pod_turns_.erase(std::find(pod_turns_.begin(), pod_turns_.end(), it->first));
      queues_.erase(it);
    }
    return true;
  }
  return false;
}

bool permit_pool::release(std::uint64_t permit_id, std::int64_t grantable_at_ms) {
  if (in_use_.erase(permit_id) == 0) return false;
  if (in_use() + static_cast<int>(idle_slots_.size()) < capacity_) {
    idle_slots_.push_back(grantable_at_ms);
  }
  return true;
}

std::optional<std::size_t> permit_pool::grantable_slot(std::int64_t now_ms) const {
  for (std::size_t i = 0; i < idle_slots_.size(); ++i) {
    if (idle_slots_[i] <= now_ms) return i;
  }
  return std::nullopt;
}

std::optional<permit_waiter> permit_pool::pop_next_waiter() {
  if (pod_turns_.empty()) return std::nullopt;
  std::string pod = std::move(pod_turns_.front());
  pod_turns_.pop_front();
  auto& queue = queues_.at(pod);
  permit_waiter waiter = std::move(queue.front());
  queue.pop_front();
  if (queue.empty()) {
    queues_.erase(pod);
  } else {
    pod_turns_.push_back(std::move(pod));
  }
  return waiter;
}

std::vector<permit_grant> permit_pool::grant_ready(std::int64_t now_ms) {
  std::vector<permit_grant> grants;
  while (!pod_turns_.empty()) {
    auto slot = grantable_slot(now_ms);
    if (!slot) break;
    idle_slots_.erase(idle_slots_.begin() + static_cast<std::ptrdiff_t>(*slot));
    permit_grant grant{next_permit_id_++, *pop_next_waiter(), now_ms};
    in_use_.emplace(grant.permit_id, now_ms);
    grants.push_back(std::move(grant));
  }
  return grants;
}

std::optional<std::int64_t> permit_pool::next_grant_at() const {
  if (pod_turns_.empty() || idle_slots_.empty()) return std::nullopt;
  return *std::min_element(idle_slots_.begin(), idle_slots_.end());
}

int permit_pool::waiting() const {
  std::size_t total = 0;
  for (const auto& entry : queues_) total += entry.second.size();
  return static_cast<int>(total);
}

std::vector<std::int64_t> permit_pool::cooling_until(std::int64_t now_ms) const {
  std::vector<std::int64_t> cooling;
  std::copy_if(idle_slots_.begin(), idle_slots_.end(), std::back_inserter(cooling),
               [&](std::int64_t at) { return at > now_ms; });
  std::sort(cooling.begin(), cooling.end());
  return cooling;
}

std::vector<permit_waiter> permit_pool::queue_snapshot() const {
  // Replays the round robin on copies of the queues.
  auto queues = queues_;
  auto turns = pod_turns_;
  std::vector<permit_waiter> order;
  while (!turns.empty()) {
    std::string pod = turns.front();
    turns.pop_front();
    auto& queue = queues.at(pod);
    order.push_back(queue.front());
    queue.pop_front();
    if (!queue.empty()) turns.push_back(pod);
  }
  return order;
}

} // namespace troupe
