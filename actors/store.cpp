#include "actors/store.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>

#include "config/secrets.hpp"
#include "messages/atoms.hpp"
#include "messages/inspect.hpp"
#include "messages/store.hpp"
#include "runtime/store/accounts.hpp"

namespace troupe::actors {

store_state::~store_state() {
  if (pending.pending() == 0) return;
  if (!db) {
    auto opened = store::database::open(url, busy_timeout_ms);
    if (!opened) {
      spdlog::error("store: {} writes lost at exit: {}", pending.pending(), opened.failure().message);
      return;
    }
    db.emplace(std::move(opened).value());
  }
  if (auto flushed = pending.flush(*db); !flushed) {
    spdlog::error("store: {} writes lost at exit: {}", pending.pending(), flushed.failure().message);
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

void flush_now(self_ptr self) {
  auto& st = self->state;
  if (st.pending.pending() == 0 || !ensure_open(self)) return;
  if (auto flushed = st.pending.flush(*st.db); !flushed) {
    if (!st.last_flush_failed) spdlog::error("store: {}; will retry", flushed.failure().message);
    st.last_error = flushed.failure().message;
    st.last_flush_failed = true;
    st.db.reset();  // reconnect at the next flush: the connection may be what broke
    return;
  }
  if (st.last_flush_failed) spdlog::info("store: writes resumed");
  st.last_flush_failed = false;
}

void schedule_flush(self_ptr self) {
  if (self->state.flush_scheduled) return;
  self->state.flush_scheduled = true;
  self->delayed_send(self, self->state.flush_interval, msg::flush_atom::value);
}

template <class Record>
void enqueue(self_ptr self, Record record) {
  ++self->state.messages_handled;
  self->state.pending.add(std::move(record));
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
  snap.counters["pending_writes"] = static_cast<std::int64_t>(st.pending.pending());
  snap.counters["dropped_events"] = static_cast<std::int64_t>(st.pending.dropped_events());
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
        if (self->state.pending.pending() > 0) schedule_flush(self);
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
