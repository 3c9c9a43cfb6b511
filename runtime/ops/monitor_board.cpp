#include "runtime/ops/monitor_board.hpp"

#include <algorithm>

namespace troupe::ops {
namespace {

// Resolved issues older than the window leave the board (they stay in the table).
void trim_resolved(std::vector<monitor_issue>& resolved, std::int64_t since_ms) {
  resolved.erase(std::remove_if(resolved.begin(), resolved.end(),
                                [&](const monitor_issue& issue) { return *issue.resolved_at_ms < since_ms; }),
                 resolved.end());
}

}  // namespace

monitor_state monitor_board::read() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void monitor_board::write(monitor_state state) {
  std::lock_guard lock(mutex_);
  state_ = std::move(state);
}

monitor_step step(monitor_state state, const node_snapshot& snapshot, const config::troupe_config& config) {
  state.memory = remember(std::move(state.memory), snapshot, config.monitor);
  const auto judged = evaluate(snapshot, state.memory, config);
  auto changes = reconcile(std::move(state.open), judged, snapshot.now_ms);
  state.open = changes.open;
  state.totals.raised += changes.raised.size();
  for (const auto& issue : changes.resolved) {
    ++state.totals.resolved;
    state.totals.time_to_resolve_ms += *issue.resolved_at_ms - issue.first_seen_at_ms;
  }
  state.unsaved_raised.insert(state.unsaved_raised.end(), changes.raised.begin(), changes.raised.end());
  state.unsaved_resolved.insert(state.unsaved_resolved.end(), changes.resolved.begin(), changes.resolved.end());
  state.recently_resolved.insert(state.recently_resolved.begin(), changes.resolved.rbegin(), changes.resolved.rend());
  trim_resolved(state.recently_resolved, snapshot.now_ms - config.monitor.resolved_shown_ms);
  state.last_run_at_ms = snapshot.now_ms;
  return {std::move(state), std::move(changes)};
}

monitor_state merge_stored(monitor_state state, std::vector<monitor_issue> stored_open,
                           std::vector<monitor_issue> stored_resolved) {
  state.totals.raised += stored_open.size();
  for (auto& stored : stored_open) {
    auto here = std::find_if(state.open.begin(), state.open.end(),
                             [&](const monitor_issue& issue) { return issue.condition_id == stored.condition_id; });
    if (here == state.open.end()) {
      state.open.push_back(std::move(stored));
      continue;
    }
    // Raised here while the database was down: the stored issue is the same one.
    const auto unsaved = std::remove_if(state.unsaved_raised.begin(), state.unsaved_raised.end(),
                                        [&](const monitor_issue& issue) {
                                          return issue.condition_id == stored.condition_id;
                                        });
    state.totals.raised -= static_cast<std::uint64_t>(state.unsaved_raised.end() - unsaved);
    state.unsaved_raised.erase(unsaved, state.unsaved_raised.end());
    here->id = stored.id;
    here->first_seen_at_ms = stored.first_seen_at_ms;
  }
  state.recently_resolved.insert(state.recently_resolved.end(), std::make_move_iterator(stored_resolved.begin()),
                                 std::make_move_iterator(stored_resolved.end()));
  state.loaded = true;
  return state;
}

std::optional<double> resolution_rate(const monitor_totals& totals) {
  if (totals.raised == 0) return std::nullopt;
  return static_cast<double>(totals.resolved) / static_cast<double>(totals.raised);
}

std::optional<double> mean_time_to_resolve_ms(const monitor_totals& totals) {
  if (totals.resolved == 0) return std::nullopt;
  return static_cast<double>(totals.time_to_resolve_ms) / static_cast<double>(totals.resolved);
}

}  // namespace troupe::ops
