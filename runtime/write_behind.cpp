#include "runtime/write_behind.hpp"

#include <spdlog/spdlog.h>

#include <iterator>

#include "runtime/store/accounts.hpp"

namespace troupe {

write_behind::write_behind(std::size_t max_pending_events)
    : max_pending_events_(max_pending_events) {}

void write_behind::add(store::runner_event event) {
  if (events_.size() >= max_pending_events_) {
    events_.pop_front();
    ++dropped_events_;
  }
  events_.push_back(std::move(event));
}

void write_behind::add(const store::runner_summary& delta) {
  auto [it, inserted] = summaries_.try_emplace({delta.account_id, delta.day}, delta);
  if (inserted) return;
  auto& sum = it->second;
  sum.pod = delta.pod;
  sum.sessions += delta.sessions;
  for (const auto& [activity, count] : delta.sessions_by_activity) {
    sum.sessions_by_activity[activity] += count;
  }
  sum.errors += delta.errors;
  sum.skips += delta.skips;
  sum.recoveries += delta.recoveries;
  sum.bursts += delta.bursts;
  sum.active_ms += delta.active_ms;
}

std::size_t write_behind::pending() const {
  return accounts_.size() + events_.size() + sessions_.size() + summaries_.size();
}

namespace {

status write_session(store::database& db, const store::session_record& session) {
  if (!session.ended_at_ms) return store::insert_session(db, session);
  auto finished = store::finish_session(db, session.session_id, *session.ended_at_ms,
                                        session.exit_code.value_or(-1), session.outcome.value_or(""),
                                        session.result_json);
  if (!finished) return finished.failure();
  // Retrying could never write it, and would hold up every write after it.
  if (!*finished) spdlog::error("store: the end of session {} is dropped: no such session runs", session.session_id);
  return {};
}

}  // namespace

status write_behind::flush(store::database& db) {
  // Each record is dropped once written, so a retry after a failure writes
  // nothing twice (inserts and summary increments are not idempotent).
  return write(db, true);
}

result<store::fenced_write> write_behind::flush_fenced(store::database& db,
                                                       const store::pod_fence& fence) {
  // One transaction: the records are dropped only once it committed (or the
  // lease turned out stale); a failure rolls every write back and keeps them all.
  auto written = store::write_fenced(db, fence, [&] { return write(db, false); });
  if (written) clear();
  return written;
}

status write_behind::write(store::database& db, bool drop_each_written) {
  try {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (auto written = write_session(db, *it); !written) return written;
      it = drop_each_written ? sessions_.erase(it) : std::next(it);
    }
    for (auto it = accounts_.begin(); it != accounts_.end();) {
      if (auto saved = store::save_account(db, it->second); !saved) return saved;
      it = drop_each_written ? accounts_.erase(it) : std::next(it);
    }
    if (auto appended = store::append_events(db, events_); !appended) return appended;
    if (drop_each_written) events_.clear();
    for (auto it = summaries_.begin(); it != summaries_.end();) {
      if (auto added = store::add_to_summary(db, it->second); !added) return added;
      it = drop_each_written ? summaries_.erase(it) : std::next(it);
    }
  } catch (const std::exception& e) {
    return error{std::string("writing to the store failed: ") + e.what()};
  }
  return {};
}

void write_behind::clear() {
  accounts_.clear();
  events_.clear();
  sessions_.clear();
  summaries_.clear();
}

}  // namespace troupe
