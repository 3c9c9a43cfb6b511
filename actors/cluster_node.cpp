#include "actors/cluster_node.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <caf/all.hpp>
#include <set>

#include "messages/atoms.hpp"
#include "messages/cluster.hpp"
#include "messages/config_snapshot.hpp"
#include "messages/inspect.hpp"
#include "messages/sessions.hpp"
#include "runtime/cluster/placement.hpp"
#include "runtime/steady_now.hpp"
#include "runtime/store/cluster_permits.hpp"
#include "runtime/store/cluster_session_requests.hpp"
#include "runtime/store/cluster_pod_leases.hpp"

namespace troupe::actors {
namespace {

using self_ptr = caf::stateful_actor<cluster_node_state>*;
using steady = std::chrono::steady_clock;

std::int64_t steady_ns(cluster::monotonic_time at) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
}

std::int64_t ttl_ms(const cluster_node_state& st) { return st.settings.timing.ttl.count(); }

// The pods of `config` this node may run: every pod, or those of --pod.
std::vector<std::string> pods_to_place(const config::troupe_config& config,
                                       const std::vector<std::string>& filter) {
  std::vector<std::string> pods;
  for (const auto& pod : config.pods) {
    if (filter.empty() || std::find(filter.begin(), filter.end(), pod.name) != filter.end())
      pods.push_back(pod.name);
  }
  return pods;
}

// Logs a failure as part of its run of failures: at its first, then a
// reminder a minute while it lasts (a database away for minutes would
// otherwise log every heartbeat, or nothing after its first line). Drops
// the connection: it may be what broke. Returns false, for the steps that
// stop at a failure.
bool failed(self_ptr self, const std::string& message) {
  auto& st = self->state;
  if (auto line = st.failures.failure_line(steady_now_ms(), "the database", message))
    spdlog::error("cluster node {}: {}", st.settings.node_id, *line);
  st.last_error = message;
  st.db.reset();
  return false;
}

bool ensure_open(self_ptr self) {
  auto& st = self->state;
  if (st.db) return true;
  auto opened = store::database::open(st.settings.url, st.settings.busy_timeout_ms);
  if (!opened) return failed(self, opened.failure().message);
  st.db.emplace(std::move(opened).value());
  return true;
}

// Heartbeats, registering first (or again, when another node's view of the
// cluster removed the row).
bool heartbeat(self_ptr self) {
  auto& st = self->state;
  if (st.registered) {
    auto beat = store::heartbeat_node(*st.db, st.settings.node_id);
    if (!beat) return failed(self, beat.failure().message);
    st.registered = *beat;
    if (st.registered) return true;
  }
  auto joined =
      store::register_node(*st.db, st.settings.node_id, st.settings.address, st.settings.version);
  if (!joined) return failed(self, joined.failure().message);
  spdlog::info("cluster node {} registered", st.settings.node_id);
  st.registered = true;
  return true;
}

// Renews every held lease in one statement; tells the supervisor which
// are trusted for longer and which are lost.
bool renew(self_ptr self) {
  auto& st = self->state;
  if (st.leases.empty()) return true;
  std::vector<store::held_pod> held;
  for (const auto& [pod, lease] : st.leases) held.push_back({pod, lease.epoch});
  const auto sent_at = steady::now();
  auto renewals = store::renew_pod_leases(*st.db, st.settings.node_id, held, ttl_ms(st));
  if (!renewals) return failed(self, renewals.failure().message);
  msg::pod_leases_renewed renewed;
  renewed.trusted_until_ns = steady_ns(cluster::trusted_until(sent_at, st.settings.timing));
  for (const auto& answer : *renewals) {
    if (answer.outcome == store::lease_renewal::renewed) {
      st.leases[answer.pod].renewal_sent_at = sent_at;
      renewed.leases.push_back({answer.pod, answer.epoch});
      continue;
    }
    spdlog::error("cluster node {}: lost the lease of pod {} (epoch {})", st.settings.node_id,
                  answer.pod, answer.epoch);
    ++st.lost;
    st.leases.erase(answer.pod);
    self->send(st.supervisor, msg::pod_lease_lost{answer.pod, answer.epoch});
  }
  if (!renewed.leases.empty()) self->send(st.supervisor, std::move(renewed));
  return true;
}

void take(self_ptr self, const std::string& pod) {
  auto& st = self->state;
  const auto sent_at = steady::now();
  auto taken = store::take_pod_lease(*st.db, pod, st.settings.node_id, ttl_ms(st));
  if (!taken) {
    failed(self, taken.failure().message);
    return;
  }
  if (!*taken) return;  // another node still holds it
  ++st.taken;
  st.leases[pod] = {(*taken)->epoch, sent_at, false};
  spdlog::info("cluster node {} took pod {} (epoch {})", st.settings.node_id, pod, (*taken)->epoch);
  self->send(st.supervisor,
             msg::pod_lease_taken{pod, st.settings.node_id, (*taken)->epoch,
                                  steady_ns(cluster::trusted_until(sent_at, st.settings.timing))});
}

// How often a node with waiting requests claims (which also runs the grant
// pass other nodes' waiters may need): a permit released elsewhere reaches
// a waiter here within this, plus its handoff delay.
constexpr std::chrono::milliseconds claim_interval{100};

void schedule_claim(self_ptr self) {
  auto& st = self->state;
  if (st.claim_scheduled || (st.unfiled.empty() && st.request_of_ticket.empty())) return;
  st.claim_scheduled = true;
  self->delayed_send(self, std::min(claim_interval, st.settings.timing.renew_interval),
                     msg::claim_tick_atom::value);
}

bool set_capacity(self_ptr self) {
  auto& st = self->state;
  if (st.capacity_set) return true;
  auto resized = store::resize_cluster_permits(*st.db, st.concurrency);
  if (!resized) return failed(self, resized.failure().message);
  st.capacity_set = true;
  return true;
}

// Files the requests the supervisor sent, in order; stops at a failure.
bool file_requests(self_ptr self) {
  auto& st = self->state;
  std::size_t filed = 0;
  for (; filed < st.unfiled.size(); ++filed) {
    const auto& wanted = st.unfiled[filed];
    auto request =
        store::request_cluster_permit(*st.db, st.settings.node_id, wanted.pod, wanted.account_id);
    if (!request) break;
    st.request_of_ticket[wanted.ticket] = *request;
  }
  const bool all = filed == st.unfiled.size();
  st.unfiled.erase(st.unfiled.begin(), st.unfiled.begin() + static_cast<std::ptrdiff_t>(filed));
  return all || failed(self, "cannot file a permit request");
}

// Returns a permit. Without the database it is no longer renewed and comes
// back by expiry.
void give_back(self_ptr self, int slot, std::int64_t token, std::int64_t handoff_delay_ms) {
  auto& st = self->state;
  st.permits.erase({slot, token});
  if (!ensure_open(self)) return;
  auto released =
      store::release_cluster_permit(*st.db, st.settings.node_id, slot, token, handoff_delay_ms);
  if (!released) failed(self, released.failure().message);
}

// Runs a grant pass and hands this node's new permits to the supervisor (a
// grant whose request was withdrawn goes back at once).
void claim(self_ptr self) {
  auto& st = self->state;
  if (ensure_open(self) && set_capacity(self) && file_requests(self)) {
    const auto ttl = ttl_ms(st);
    auto claimed = store::claim_cluster_permits(*st.db, st.settings.node_id, {ttl, ttl});
    if (!claimed) {
      failed(self, claimed.failure().message);
    } else {
      for (const auto& permit : *claimed) {
        st.permits.insert({permit.slot, permit.token});
        auto ticket =
            std::find_if(st.request_of_ticket.begin(), st.request_of_ticket.end(),
                         [&](const auto& entry) { return entry.second == permit.request_id; });
        if (ticket == st.request_of_ticket.end()) {
          give_back(self, permit.slot, permit.token, 0);
          continue;
        }
        self->send(st.supervisor, msg::cluster_permit_granted{ticket->first, permit.slot,
                                                              permit.token, permit.granted_at});
        st.request_of_ticket.erase(ticket);
      }
    }
  }
  schedule_claim(self);
}

void withdraw(self_ptr self, std::uint64_t ticket) {
  auto& st = self->state;
  auto unfiled = std::find_if(
      st.unfiled.begin(), st.unfiled.end(),
      [&](const msg::cluster_permit_wanted& wanted) { return wanted.ticket == ticket; });
  if (unfiled != st.unfiled.end()) {
    st.unfiled.erase(unfiled);
    return;
  }
  auto filed = st.request_of_ticket.find(ticket);
  if (filed == st.request_of_ticket.end()) return;
  const auto request_id = filed->second;
  st.request_of_ticket.erase(filed);
  // Not withdrawn in the database (it may be away, or the request granted):
  // a grant for it comes with a claim and goes back at once.
  if (ensure_open(self)) {
    auto cancelled = store::cancel_cluster_permit_request(*st.db, st.settings.node_id, request_id);
    if (!cancelled) failed(self, cancelled.failure().message);
  }
}

// Extends the permits held; those the database no longer has for this node
// expired (the node could not renew in time) and may be someone else's.
bool renew_permits(self_ptr self) {
  auto& st = self->state;
  if (st.permits.empty()) return true;
  auto renewed = store::renew_cluster_permits(*st.db, st.settings.node_id, ttl_ms(st));
  if (!renewed) return failed(self, renewed.failure().message);
  std::set<std::pair<int, std::int64_t>> still;
  for (const auto& permit : *renewed) still.insert({permit.slot, permit.token});
  for (auto it = st.permits.begin(); it != st.permits.end();) {
    if (still.count(*it) != 0) {
      ++it;
      continue;
    }
    spdlog::error("cluster node {}: permit slot {} expired before its renewal", st.settings.node_id,
                  it->first);
    ++st.permits_lost;
    it = st.permits.erase(it);
  }
  return true;
}

// Places the pods over the live nodes: takes what is placed here, and asks
// the supervisor to stop what is placed elsewhere (released once stopped).
void rebalance(self_ptr self) {
  auto& st = self->state;
  auto live = store::list_nodes(*st.db, ttl_ms(st));
  if (!live) {
    failed(self, live.failure().message);
    return;
  }
  st.nodes = std::move(live).value();
  std::vector<std::string> live_ids;
  for (const auto& node : st.nodes) {
    if (node.live) live_ids.push_back(node.id);
  }
  std::set<std::string> held;
  for (const auto& entry : st.leases) held.insert(entry.first);
  const auto moves = cluster::plan_lease_moves(st.pods, live_ids, st.settings.node_id,
                                               st.settings.max_pods_per_node, held);
  for (const auto& pod : moves.hand_over) {
    auto& lease = st.leases.at(pod);
    if (lease.handing_over) continue;
    lease.handing_over = true;
    spdlog::info("cluster node {} hands pod {} over", st.settings.node_id, pod);
    self->send(st.supervisor, msg::pod_hand_over{pod, lease.epoch});
  }
  for (const auto& pod : moves.take) {
    take(self, pod);
    if (!st.db) return;
  }
}

// How long a routed session may take: a permit queue plus the longest session.
constexpr std::chrono::minutes routed_session_limit{120};

// Records the ends of routed sessions, keeping those the database did not take.
void record_session_ends(self_ptr self) {
  auto& st = self->state;
  while (!st.unrecorded_ends.empty() && ensure_open(self)) {
    const auto& [id, end] = st.unrecorded_ends.front();
    auto recorded = store::finish_session_request(*st.db, id, end);
    if (!recorded) return (void)failed(self, recorded.failure().message);
    st.unrecorded_ends.pop_front();
  }
}

// RUN_SESSION actions the AOL loop routed here (the pods' node): each runs
// through the supervisor like an operator's session, and its end is
// recorded for the loop's attempt, which waits for it.
void serve_session_requests(self_ptr self) {
  auto& st = self->state;
  auto claimed = store::claim_session_requests(*st.db, st.settings.node_id);
  if (!claimed) return (void)failed(self, claimed.failure().message);
  for (const auto& routed : *claimed) {
    ++st.routed_sessions;
    const auto id = routed.id;
    const auto finish = [=](store::session_request_end end) {
      self->state.unrecorded_ends.emplace_back(id, std::move(end));
      record_session_ends(self);
    };
    self->request(st.supervisor, routed_session_limit, msg::session_request{routed.account_id, routed.activity})
        .then([=](const msg::session_finished& done) { finish({done.session_id, done.outcome, done.refusal, done.error}); },
              [=](const caf::error& err) { finish({"", "error", "", self->system().render(err)}); });
  }
}

void beat(self_ptr self) {
  auto& st = self->state;
  if (st.left || !st.supervisor) return;
  const auto started = steady::now();
  if (ensure_open(self) && (st.draining || heartbeat(self)) && renew(self) && renew_permits(self)) {
    if (!st.draining) rebalance(self);
    if (st.db && !st.draining) serve_session_requests(self);
    record_session_ends(self);
    if (st.db && st.failures.failing()) {
      spdlog::info("cluster node {}: the database answers again (after {} failures)",
                   st.settings.node_id, st.failures.succeeded());
      st.last_error.clear();
    }
  }
  const auto next = started + st.settings.timing.renew_interval;
  const auto wait = std::max(next - steady::now(), steady::duration::zero());
  self->delayed_send(self, std::chrono::duration_cast<std::chrono::milliseconds>(wait),
                     msg::node_tick_atom::value);
}

// The supervisor stopped a handed-over pod: release its lease so the node
// it is placed on takes it at once.
void on_pod_stopped(self_ptr self, const msg::pod_stopped& stopped) {
  auto& st = self->state;
  auto lease = st.leases.find(stopped.pod);
  if (lease == st.leases.end() || lease->second.epoch != stopped.epoch) return;
  st.leases.erase(lease);
  ++st.handed_over;
  if (!ensure_open(self)) return;  // not released: it expires
  auto released = store::release_pod_lease(*st.db, stopped.pod, st.settings.node_id, stopped.epoch);
  if (!released) failed(self, released.failure().message);
}

// A graceful stop begins: out of the placement, so that each pod goes to
// another node once its lease is released.
void drain(self_ptr self) {
  auto& st = self->state;
  if (st.draining) return;
  st.draining = true;
  if (!ensure_open(self)) return;  // placed here until its heartbeat is old
  auto withdrawn = store::withdraw_node(*st.db, st.settings.node_id);
  if (!withdrawn) return (void)failed(self, withdrawn.failure().message);
  spdlog::info("cluster node {} drains: its pods go to the other nodes as they stop",
               st.settings.node_id);
}

void leave(cluster_node_state& st) {
  if (st.left) return;
  st.left = true;
  st.leases.clear();
  if (!st.db) {
    auto opened = store::database::open(st.settings.url, st.settings.busy_timeout_ms);
    if (!opened) {
      spdlog::error("cluster node {} could not leave: {}; its leases expire instead",
                    st.settings.node_id, opened.failure().message);
      return;
    }
    st.db.emplace(std::move(opened).value());
  }
  auto released = store::leave_cluster(*st.db, st.settings.node_id);
  if (!released) {
    spdlog::error("cluster node {} could not leave: {}; its leases expire instead",
                  st.settings.node_id, released.failure().message);
    return;
  }
  spdlog::info("cluster node {} left the cluster, releasing {} pod leases", st.settings.node_id,
               *released);
}

msg::actor_snapshot snapshot(self_ptr self) {
  const auto& st = self->state;
  msg::actor_snapshot snap;
  snap.kind = "cluster_node";
  snap.id = "cluster_node";
  snap.parent = "supervisor";
  snap.state["node_id"] = st.settings.node_id;
  snap.state["registered"] = st.registered ? "true" : "false";
  snap.state["draining"] = st.draining ? "true" : "false";
  std::string held;
  for (const auto& [pod, lease] : st.leases) {
    held += (held.empty() ? "" : ",") + pod + ":" + std::to_string(lease.epoch);
  }
  snap.state["leases"] = held;
  snap.counters["leases_held"] = static_cast<std::int64_t>(st.leases.size());
  snap.counters["leases_taken"] = st.taken;
  snap.counters["leases_lost"] = st.lost;
  snap.counters["pods_handed_over"] = st.handed_over;
  snap.counters["permits_held"] = static_cast<std::int64_t>(st.permits.size());
  snap.counters["permit_requests_waiting"] =
      static_cast<std::int64_t>(st.request_of_ticket.size() + st.unfiled.size());
  snap.counters["permits_lost"] = st.permits_lost;
  snap.counters["routed_sessions"] = st.routed_sessions;
  snap.counters["live_nodes"] = std::count_if(st.nodes.begin(), st.nodes.end(),
                                              [](const store::node_record& n) { return n.live; });
  snap.mailbox_size = self->mailbox().size();
  snap.messages_handled = st.messages_handled;
  snap.last_error = st.last_error;
  return snap;
}

}  // namespace

cluster_node_state::~cluster_node_state() { leave(*this); }

caf::behavior cluster_node_actor(caf::stateful_actor<cluster_node_state>* self,
                                 cluster::node_settings settings,
                                 std::shared_ptr<const config::troupe_config> config) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.pods = pods_to_place(*config, st.settings.pod_filter);
  st.concurrency = config->concurrency;
  return {
      [=](msg::join_atom) {
        ++self->state.messages_handled;
        if (self->state.supervisor) return;
        self->state.supervisor = caf::actor_cast<caf::actor>(self->current_sender());
        beat(self);
      },
      [=](msg::node_tick_atom) {
        ++self->state.messages_handled;
        beat(self);
      },
      [=](const msg::config_snapshot& snap) {
        ++self->state.messages_handled;
        self->state.pods = pods_to_place(*snap.config, self->state.settings.pod_filter);
        if (snap.config->concurrency != self->state.concurrency) {
          self->state.concurrency = snap.config->concurrency;
          self->state.capacity_set = false;
          claim(self);
        }
      },
      [=](const msg::cluster_permit_wanted& wanted) {
        ++self->state.messages_handled;
        self->state.unfiled.push_back(wanted);
        claim(self);
      },
      [=](const msg::cluster_permit_withdrawn& withdrawn) {
        ++self->state.messages_handled;
        withdraw(self, withdrawn.ticket);
      },
      [=](const msg::cluster_permit_returned& returned) {
        ++self->state.messages_handled;
        give_back(self, returned.slot, returned.token, returned.handoff_delay_ms);
        claim(self);
      },
      [=](msg::claim_tick_atom) {
        ++self->state.messages_handled;
        self->state.claim_scheduled = false;
        claim(self);
      },
      [=](const msg::pod_stopped& stopped) {
        ++self->state.messages_handled;
        on_pod_stopped(self, stopped);
      },
      [=](msg::shutdown_atom) {
        ++self->state.messages_handled;
        drain(self);
      },
      [=](msg::leave_atom) {
        ++self->state.messages_handled;
        leave(self->state);
        return true;
      },
      [=](msg::inspect_atom) { return snapshot(self); },
      [=](msg::alive_atom alive) { return alive; },
  };
}

}  // namespace troupe::actors
