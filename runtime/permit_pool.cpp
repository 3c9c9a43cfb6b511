#include "runtime/permit_pool.hpp"

#include <algorithm>
#include <functional>
#include <iterator>

namespace troupe {
namespace {

// idle_slots_ is a min-heap: the permit that becomes grantable first on top.
// Which of several grantable permits goes makes no difference: each
// is grantable from then on.
using sooner_on_top = std::greater<std::int64_t>;

}  // namespace

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
  std::make_heap(idle_slots_.begin(), idle_slots_.end(), sooner_on_top{});
}

std::size_t permit_pool::pod_index(const std::string& pod) {
  if (!queues_.empty() && pod == last_pod_) return last_pod_index_;
  const auto [entry, added] = pod_indexes_.try_emplace(pod, queues_.size());
  if (added) queues_.emplace_back();
  last_pod_ = pod;
  return last_pod_index_ = entry->second;
}

void permit_pool::enqueue(permit_waiter waiter) {
  const auto pod = pod_index(waiter.pod);
  auto& queue = queues_[pod];
  if (queue.empty()) pod_turns_.push_back(pod);
  queue.push_back(std::move(waiter));
}

bool permit_pool::cancel(std::uint64_t request_id) {
  for (std::size_t pod = 0; pod < queues_.size(); ++pod) {
    auto& queue = queues_[pod];
    auto found = std::find_if(queue.begin(), queue.end(),
                              [&](const permit_waiter& w) { return w.request_id == request_id; });
    if (found == queue.end()) continue;
    queue.erase(found);
    if (queue.empty()) pod_turns_.erase(std::find(pod_turns_.begin(), pod_turns_.end(), pod));
    return true;
  }
  return false;
}

bool permit_pool::release(std::uint64_t permit_id, std::int64_t grantable_at_ms) {
  const auto held =
      std::lower_bound(in_use_.begin(), in_use_.end(), std::make_pair(permit_id, std::int64_t{0}),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
  if (held == in_use_.end() || held->first != permit_id) return false;
  in_use_.erase(held);
  if (in_use() + static_cast<int>(idle_slots_.size()) < capacity_) {
    idle_slots_.push_back(grantable_at_ms);
    std::push_heap(idle_slots_.begin(), idle_slots_.end(), sooner_on_top{});
  }
  return true;
}

std::optional<permit_waiter> permit_pool::pop_next_waiter() {
  if (pod_turns_.empty()) return std::nullopt;
  const auto pod = pod_turns_.front();
  pod_turns_.pop_front();
  auto& queue = queues_[pod];
  permit_waiter waiter = std::move(queue.front());
  queue.pop_front();
  if (!queue.empty()) pod_turns_.push_back(pod);
  return waiter;
}

std::optional<permit_grant> permit_pool::grant_next(std::int64_t now_ms) {
  if (pod_turns_.empty() || idle_slots_.empty() || idle_slots_.front() > now_ms)
    return std::nullopt;
  std::pop_heap(idle_slots_.begin(), idle_slots_.end(), sooner_on_top{});
  idle_slots_.pop_back();
  permit_grant grant{next_permit_id_++, *pop_next_waiter(), now_ms};
  in_use_.emplace_back(grant.permit_id, now_ms);  // the newest id: the vector stays sorted
  return grant;
}

std::vector<permit_grant> permit_pool::grant_ready(std::int64_t now_ms) {
  std::vector<permit_grant> grants;
  grant_ready(now_ms, [&](permit_grant& grant) { grants.push_back(std::move(grant)); });
  return grants;
}

std::optional<std::int64_t> permit_pool::next_grant_at() const {
  if (pod_turns_.empty() || idle_slots_.empty()) return std::nullopt;
  return idle_slots_.front();
}

int permit_pool::waiting() const {
  std::size_t total = 0;
  for (const auto& queue : queues_) total += queue.size();
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
  // Replays the round robin, each pod's queue read from its front on.
  std::vector<std::size_t> taken(queues_.size(), 0);
  auto turns = pod_turns_;
  std::vector<permit_waiter> order;
  while (!turns.empty()) {
    const auto pod = turns.front();
    turns.pop_front();
    order.push_back(queues_[pod][taken[pod]++]);
    if (taken[pod] < queues_[pod].size()) turns.push_back(pod);
  }
  return order;
}

} // namespace troupe
