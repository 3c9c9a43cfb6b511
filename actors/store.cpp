#include "actors/store.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>
#include <limits>

#include "config/secrets.hpp"
#include "messages/atoms.hpp"
#include "messages/cluster.hpp"
#include "messages/inspect.hpp"
#include "messages/store.hpp"
#include "runtime/steady_now.hpp"
#include "runtime/store/accounts.hpp"

namespace troupe::actors {
namespace {

// Writes the records waiting under each lease, dropping those of a stale one.
status flush_fenced(store_state& st) {
  for (auto group = st.fenced_pending.begin(); group != st.fenced_pending.end();) {
    const auto& [pod, epoch] = group->first;
    const store::pod_fence fence{pod, st.fences.at(pod).node, epoch};
    const auto waiting = static_cast<std::int64_t>(group->second.pending());
    auto written = group->second.flush_fenced(*st.db, fence);
    if (!written) return written.failure();
    if (*written == store::fenced_write::stale_lease) {
      st.stale_writes_refused += waiting;
      spdlog::warn(
          "store: {} writes of pod {} refused under a stale lease (epoch {}): the pod is no longer "
          "this node's",
          waiting, pod, epoch);
    }
    group = st.fenced_pending.erase(group);
  }
  return {};
}

// Every pending record, those without a lease first.
status flush_all(store_state& st) {
  if (auto flushed = st.pending.flush(*st.db); !flushed) return flushed;
  return flush_fenced(st);
}

std::size_t pending_writes(const store_state& st) {
  std::size_t count = st.pending.pending();
  for (const auto& group : st.fenced_pending) count += group.second.pending();
  return count;
}

bool has_pending(const store_state& st, const std::string& pod) {
  const auto group = st.fenced_pending.lower_bound({pod, std::numeric_limits<std::int64_t>::min()});
  return group != st.fenced_pending.end() && group->first.first == pod;
}

}  // namespace

store_state::~store_state() {
  if (pending_writes(*this) == 0) return;
  if (!db) {
    auto opened = store::database::open(url, busy_timeout_ms);
    if (!opened) {
      spdlog::error("store: {} writes lost at exit: {}", pending_writes(*this),
                    opened.failure().message);
      return;
    }
    db.emplace(std::move(opened).value());
  }
  if (auto flushed = flush_all(*this); !flushed) {
    spdlog::error("store: {} writes lost at exit: {}", pending_writes(*this),
                  flushed.failure().message);
  }
}

namespace {

using self_ptr = caf::stateful_actor<store_state>*;

bool ensure_open(self_ptr self) {
  auto& st = self->state;
  if (st.db) return true;
  auto opened = store::database::open(st.url, st.busy_timeout_ms);
  if (!opened) {
    st.last_error = opened.failure().message;
    return false;
  }
  st.db.emplace(std::move(opened).value());
  spdlog::info("store: connected to {}", st.db->url_for_logs());
  return true;
}

// Logs a failed flush as part of its run of failures (at its first, then a
// reminder a minute while it lasts) and drops the connection: the
// connection may be what broke, the next flush opens a new one.
void flush_failed(self_ptr self, const std::string& message) {
  auto& st = self->state;
  st.last_error = message;
  st.db.reset();
  const auto waiting = std::to_string(pending_writes(st)) + " writes waiting";
  if (auto line = st.flush_failures.failure_line(steady_now_ms(), "writes", message, waiting))
    spdlog::error("store: {}", *line);
}

void flush_now(self_ptr self) {
  auto& st = self->state;
  if (pending_writes(st) == 0) return;
  if (!ensure_open(self)) return flush_failed(self, st.last_error);
  if (auto flushed = flush_all(st); !flushed) return flush_failed(self, flushed.failure().message);
  if (const auto failures = st.flush_failures.succeeded(); failures > 0)
    spdlog::info("store: writes resumed after {} failed attempts", failures);
}

void schedule_flush(self_ptr self) {
  if (self->state.flush_scheduled) return;
  self->state.flush_scheduled = true;
  self->delayed_send(self, self->state.flush_interval, msg::flush_atom::value);
}

template <class Record>
void enqueue(self_ptr self, Record record) {
  auto& st = self->state;
  ++st.messages_handled;
  const auto fence = st.fences.find(record.pod);
  if (fence == st.fences.end()) {
    st.pending.add(std::move(record));
  } else {
    st.fenced_pending[{fence->first, fence->second.epoch}].add(std::move(record));
  }
  schedule_flush(self);
}

msg::actor_snapshot snapshot(self_ptr self) {
  const auto& st = self->state;
  msg::actor_snapshot snap;
  snap.kind = "store";
  snap.id = "store";
  snap.parent = "supervisor";
  snap.state["url"] = config::redact_url_password(st.url);
  snap.state["connected"] = st.db ? "true" : "false";
  snap.counters["pending_writes"] = static_cast<std::int64_t>(pending_writes(st));
  snap.counters["dropped_events"] = static_cast<std::int64_t>(st.pending.dropped_events());
  if (!st.fences.empty()) snap.counters["stale_writes_refused"] = st.stale_writes_refused;
  snap.mailbox_size = self->mailbox().size();
  snap.messages_handled = st.messages_handled;
  snap.last_error = st.last_error;
  return snap;
}

}  // namespace

caf::behavior store_actor(caf::stateful_actor<store_state>* self, std::string url,
                          int busy_timeout_ms) {
  self->state.url = std::move(url);
  self->state.busy_timeout_ms = busy_timeout_ms;
  ensure_open(self);
  return {
      [=](const account_state& state) { enqueue(self, state); },
      [=](const store::runner_event& event) { enqueue(self, event); },
      [=](const store::session_record& session) { enqueue(self, session); },
      [=](const store::runner_summary& delta) { enqueue(self, delta); },
      [=](msg::record_batch& batch) {
        for (auto& record : batch.records)
          std::visit([&](auto& one) { enqueue(self, std::move(one)); }, record);
      },
      [=](msg::flush_atom) {
        self->state.flush_scheduled = false;
        flush_now(self);
        if (pending_writes(self->state) > 0) schedule_flush(self);
      },
      // Writes now what waits (the last records of a stopped pod, before its
      // lease goes): true when nothing of `pod` (empty: of any pod) is left.
      [=](msg::flush_atom, const std::string& pod) {
        ++self->state.messages_handled;
        flush_now(self);
        return pod.empty() ? pending_writes(self->state) == 0 : !has_pending(self->state, pod);
      },
      [=](const msg::pod_lease_taken& taken) {
        ++self->state.messages_handled;
        self->state.fences[taken.pod] = store::pod_fence{taken.pod, taken.node, taken.epoch};
      },
      [=](msg::load_atom, const std::string& pod) -> caf::result<std::vector<account_state>> {
        ++self->state.messages_handled;
        if (!ensure_open(self))
          return caf::make_error(caf::sec::runtime_error, self->state.last_error);
        auto loaded = store::load_accounts(*self->state.db, pod);
        if (!loaded) return caf::make_error(caf::sec::runtime_error, loaded.failure().message);
        return std::move(loaded).value();
      },
      [=](msg::inspect_atom) { return snapshot(self); },
      [=](msg::alive_atom alive) { return alive; },
  };
}

}  // namespace troupe::actors
