// The store actor's pending writes: the newest state of each account, the
// runner events, session rows and summary increments not yet written.
// `flush` writes them and keeps what it could not write, so a database that
// goes away and comes back loses nothing (within the bound on events).
// Not thread-safe: one owner (the store actor).
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "runtime/account_state.hpp"
#include "runtime/result.hpp"
#include "runtime/store/cluster_fence.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/runner_events.hpp"
#include "runtime/store/runner_summaries.hpp"
#include "runtime/store/sessions.hpp"

namespace troupe {

class write_behind {
 public:
  // At most `max_pending_events` events wait; older ones are dropped (and
  // counted) beyond that, so a long outage cannot exhaust memory.
  explicit write_behind(std::size_t max_pending_events = 100'000);

  void add(const account_state& state) { accounts_[state.account_id] = state; }
  void add(store::runner_event event);
  void add(store::session_record session) { sessions_.push_back(std::move(session)); }
  void add(const store::runner_summary& delta);

  std::size_t pending() const;
  std::size_t dropped_events() const { return dropped_events_; }

  // Writes everything pending; on failure keeps what was not written.
  status flush(store::database& db);

  // Cluster mode: writes everything pending in one transaction under
  // `fence` (runtime/store/cluster_fence.hpp), all or nothing. Written:
  // nothing is left pending. Stale lease: nothing written, and everything
  // pending is dropped (another node owns these rows now). A failure keeps
  // everything, for the next try.
  result<store::fenced_write> flush_fenced(store::database& db, const store::pod_fence& fence);

 private:
  // Writes every pending record in order; with `drop_each_written`, drops
  // each once written (flush), else keeps them all (a fenced transaction).
  status write(store::database& db, bool drop_each_written);
  void clear();  // every pending record (dropped_events stays)

  std::map<std::string, account_state> accounts_;
  std::deque<store::runner_event> events_;  // a deque: the oldest is dropped in O(1) when full
  std::deque<store::session_record> sessions_;  // rows with ended_at_ms finish a started row
  std::map<std::pair<std::string, std::string>, store::runner_summary> summaries_;
  std::size_t max_pending_events_;
  std::size_t dropped_events_ = 0;
};

}  // namespace troupe
