#include "actors/pod.hpp"

#include <date/tz.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <caf/all.hpp>
#include <limits>
#include <map>
#include <tuple>

#include "actors/account.hpp"
#include "messages/atoms.hpp"
#include "messages/config_snapshot.hpp"
#include "messages/inspect.hpp"
#include "messages/pods.hpp"
#include "messages/sessions.hpp"
#include "messages/store.hpp"
#include "runtime/account_lifecycle.hpp"
#include "runtime/policy/local_time.hpp"
#include "runtime/policy/mood.hpp"
#include "runtime/policy/tick.hpp"

namespace troupe::actors {
namespace {

using self_ptr = caf::stateful_actor<pod_actor_state>*;

std::int64_t now_ms(self_ptr self) { return self->state.context->clock.wall_ms(self->clock().now()); }

const config::pod_config& pod_config_of(self_ptr self) {
  for (const auto& pod : self->state.config->pods) {
    if (pod.name == self->state.pod_name) return pod;
  }
  throw std::runtime_error("pod " + self->state.pod_name + " is not in the config");
}

const std::vector<std::string>& rotation_of(const pod_actor_state& st) {
  static const std::vector<std::string> none;
  return st.rotation ? *st.rotation : none;
}

// The pod's account list in the config `st` holds, sharing that config.
std::shared_ptr<const std::vector<std::string>> configured_rotation(const pod_actor_state& st,
                                                                    const config::pod_config& pod) {
  return {st.config, &pod.accounts};
}

// The account `account_id` while the pod plans for it, else null.
pod_member* member_of(pod_actor_state& st, const std::string& account_id) {
  const auto found = st.accounts.find(account_id);
  return found != st.accounts.end() && found->second.planned ? &found->second : nullptr;
}

void schedule_tick(self_ptr self) {
  auto& st = self->state;
  std::int64_t earliest = policy::never_ms;
  for (const auto& [id, member] : st.accounts) {
    if (member.planned) earliest = std::min(earliest, member.eligible_at);
  }
  if (earliest == policy::never_ms) return;  // every account reports again when it can go
  const auto now = now_ms(self);
  const auto wake = policy::sleep_ends_at_ms(st.config->moods, st.zone, std::max(now, earliest));
  const auto next = policy::next_pod_tick_ms(now, st.config->tick_ms, earliest, wake);
  if (next == policy::never_ms || (st.next_tick_at_ms > now && st.next_tick_at_ms <= next)) return;
  st.next_tick_at_ms = next;
  const auto generation = ++st.tick_generation;
  self->delayed_send(self, std::chrono::milliseconds(next - now), msg::pod_tick_atom::value, generation);
}

void tick(self_ptr self) {
  auto& st = self->state;
  ++st.ticks;
  st.next_tick_at_ms = 0;
  const auto now = now_ms(self);
  const auto& rotation = rotation_of(st);
  const auto count = rotation.size();
  for (std::size_t i = 0; i < count; ++i) {
    const auto& id = rotation[(st.cursor + i) % count];
    auto* member = member_of(st, id);  // none while a new account is being spawned
    if (member == nullptr || member->eligible_at > now) continue;
    member->eligible_at = policy::never_ms;  // until the account reports again
    self->send(member->account, msg::plan_tick{st.paused});
  }
  if (count > 0) st.cursor = (st.cursor + 1) % count;
  schedule_tick(self);
}

account_state fresh_account(const std::string& id, const std::string& pod, const config::troupe_config& config) {
  account_state state;
  state.account_id = id;
  state.pod = pod;
  state.energy = config.energy.start;
  return state;
}

// Spawns the configured accounts that do not run yet, from their stored
// state when there is one.
void spawn_accounts(self_ptr self, const std::vector<account_state>& stored) {
  auto& st = self->state;
  if (st.retiring) return;
  std::map<std::string, account_state> by_id;
  for (const auto& state : stored) by_id[state.account_id] = state;
  const auto& pod = pod_config_of(self);
  st.rotation = configured_rotation(st, pod);
  st.accounts.reserve(
      pod.accounts.size());  // a pod's accounts, each in a vector without room to spare
  for (const auto& id : pod.accounts) {
    if (st.accounts.count(id) != 0) continue;
    auto found = by_id.find(id);
    auto initial = std::make_unique<account_state>(
        found != by_id.end() ? found->second : fresh_account(id, st.pod_name, *st.config));
    initial->pod = st.pod_name;
    auto account =
        self->spawn<caf::linked>(account_actor, st.context, st.config, std::move(initial), st.zone,
                                 st.supervisor, caf::actor_cast<caf::actor>(self));
    st.accounts.emplace(
        id, pod_member{std::move(account), policy::never_ms});  // each account reports at start
  }
}

void load_and_spawn_accounts(self_ptr self) {
  if (!self->state.context->records) return spawn_accounts(self, {});
  self->request(self->state.context->records, caf::infinite, msg::load_atom::value, self->state.pod_name)
      .then([=](const std::vector<account_state>& stored) { spawn_accounts(self, stored); },
            [=](caf::error& err) {
              spdlog::error("pod {}: loading accounts failed: {}", self->state.pod_name, self->system().render(err));
              self->quit(err);
            });
}

// Tells the accounts that are no longer configured to quit after their
// running session; they leave the rotation at once.
void retire_removed_accounts(self_ptr self, const std::vector<std::string>& configured) {
  auto& st = self->state;
  for (auto& [id, member] : st.accounts) {
    if (std::find(configured.begin(), configured.end(), id) != configured.end()) continue;
    self->send(member.account, msg::shutdown_atom::value);
    member.planned = false;
  }
}

void on_config(self_ptr self, const msg::config_snapshot& snap) {
  auto& st = self->state;
  st.config = snap.config;
  st.config_version = snap.version;
  for (const auto& entry : st.accounts) self->send(entry.second.account, snap);
  const auto& configured = pod_config_of(self).accounts;
  retire_removed_accounts(self, configured);
  st.rotation = configured_rotation(st, pod_config_of(self));
  st.cursor = 0;
  const bool adds = std::any_of(configured.begin(), configured.end(),
                                [&](const std::string& id) { return st.accounts.count(id) == 0; });
  if (adds) load_and_spawn_accounts(self);
}

void retire(self_ptr self) {
  auto& st = self->state;
  st.retiring = true;
  st.rotation.reset();
  for (auto& entry : st.accounts) {
    self->send(entry.second.account, msg::shutdown_atom::value);
    entry.second.planned = false;
  }
  if (st.accounts.empty()) self->quit();
}

// An account quit: a crash takes the pod down (the supervisor restarts it);
// a retired account is forgotten. An exit from anyone else stops the pod.
void on_exit(self_ptr self, const caf::exit_msg& exit) {
  auto& st = self->state;
  auto account = std::find_if(st.accounts.begin(), st.accounts.end(), [&](const auto& entry) {
    return entry.second.account.address() == exit.source;
  });
  if (account == st.accounts.end() || exit.reason) return self->quit(exit.reason);
  const auto id = account->first;
  st.accounts.erase(account);
  if (st.retiring) {
    if (st.accounts.empty()) self->quit();
    return;
  }
  // Removed, then configured again while it finished its session: it comes back.
  const auto& rotation = rotation_of(st);
  if (std::find(rotation.begin(), rotation.end(), id) != rotation.end())
    load_and_spawn_accounts(self);
}

// What the accounts it plans for reported holding (retiring ones no longer count).
msg::config_applied config_applied(const pod_actor_state& st) {
  msg::config_applied applied{std::numeric_limits<std::uint64_t>::max(), 0};
  for (const auto& [id, member] : st.accounts) {
    if (!member.planned) continue;
    applied.lowest_version = std::min(applied.lowest_version, member.config_version);
    ++applied.accounts;
  }
  if (applied.accounts == 0) applied.lowest_version = st.config_version;
  return applied;
}

msg::actor_snapshot snapshot(self_ptr self) {
  const auto& st = self->state;
  msg::actor_snapshot snap;
  snap.kind = "pod";
  snap.id = "pod:" + st.pod_name;
  snap.parent = "supervisor";
  snap.state["timezone"] = st.zone ? std::string(st.zone->name()) : "";
  snap.state["next_tick_at_ms"] = std::to_string(st.next_tick_at_ms);
  snap.state["paused"] = st.paused ? "true" : "false";
  snap.state["config_version"] = std::to_string(st.config_version);
  snap.counters["accounts"] = static_cast<std::int64_t>(st.accounts.size());
  snap.counters["ticks"] = static_cast<std::int64_t>(st.ticks);
  snap.mailbox_size = self->mailbox().size();
  snap.messages_handled = st.messages_handled;
  return snap;
}

// Collects the snapshots of the pod and all its accounts.
caf::result<caf::message> subtree(self_ptr self) {
  // A response promise made takes the reply over: none when there is nothing to wait for.
  if (self->state.accounts.empty()) return caf::make_message(msg::tree_snapshot{{snapshot(self)}});
  auto promise = self->make_response_promise<msg::tree_snapshot>();
  auto tree = std::make_shared<msg::tree_snapshot>();
  tree->actors.reserve(self->state.accounts.size() + 1);
  tree->actors.push_back(snapshot(self));
  auto remaining = std::make_shared<std::size_t>(self->state.accounts.size());
  for (const auto& entry : self->state.accounts) {
    self->request(entry.second.account, msg::snapshot_timeout, msg::inspect_atom::value)
        .then(
            [=](msg::actor_snapshot& account) mutable {
              tree->actors.push_back(std::move(account));
              if (--*remaining == 0) promise.deliver(std::move(*tree));
            },
            [=](caf::error&) mutable {
              if (--*remaining == 0) promise.deliver(std::move(*tree));
            });
  }
  return caf::delegated<caf::message>{};
}

}  // namespace

namespace {

// The message's `Index`th element when it has the types `Ts...`, else null.
template <std::size_t Index, typename... Ts>
const std::tuple_element_t<Index, std::tuple<Ts...>>* element_if(
    const caf::type_erased_tuple& content) {
  using element = std::tuple_element_t<Index, std::tuple<Ts...>>;
  return content.match_elements<Ts...>() ? &content.get_as<element>(Index) : nullptr;
}

// Hands `forwarded()` to the account a request is about, which answers it;
// `absent()` answers it when this pod runs no such account.
template <typename Forwarded, typename Absent>
caf::result<caf::message> to_account(self_ptr self, const std::string& account_id,
                                     Forwarded forwarded, Absent absent) {
  auto account = self->state.accounts.find(account_id);
  if (account == self->state.accounts.end()) return absent();
  self->delegate(account->second.account, forwarded());
  return caf::delegated<caf::message>{};
}

// Every message of a pod but its accounts' reports. CAF 0.17 keeps a copy of
// each handler of a behaviour (about 40 bytes) in every actor: dispatched
// from the default handler, one function serves all the pods of a node.
// Unknown messages are dropped as CAF's default handler drops them.
caf::result<caf::message> handle_message(caf::scheduled_actor* actor, caf::message_view& view) {
  const auto self = static_cast<self_ptr>(actor);
  auto& st = self->state;
  const auto& content = view.content();
  if (const auto* generation = element_if<1, msg::pod_tick_atom, std::uint64_t>(content)) {
    ++st.messages_handled;
    if (*generation == st.tick_generation) tick(self);
  } else if (content.match_elements<msg::config_applied_atom>()) {
    return caf::make_message(config_applied(st));
  } else if (content.match_elements<msg::shutdown_atom>()) {
    retire(self);  // removed from the config
  } else if (content.match_elements<msg::stop_sessions_atom>()) {
    for (const auto& entry : st.accounts)
      self->send(entry.second.account, msg::stop_sessions_atom::value);
  } else if (content.match_elements<msg::pause_atom>()) {
    st.paused = true;
  } else if (content.match_elements<msg::resume_atom>()) {
    st.paused = false;
  } else if (const auto* snap = element_if<0, msg::config_snapshot>(content)) {
    ++st.messages_handled;
    if (!st.retiring) on_config(self, *snap);
  } else if (content.match_elements<msg::inspect_atom>()) {
    return caf::make_message(snapshot(self));
  } else if (const auto* account_id = element_if<1, msg::inspect_atom, std::string>(content)) {
    // An account removed by a reload answers with an empty snapshot; a
    // session request for it is refused (the supervisor had not seen the reload).
    return to_account(
        self, *account_id, [] { return caf::make_message(msg::inspect_atom::value); },
        [] { return caf::make_message(msg::actor_snapshot{}); });
  } else if (content.match_elements<msg::tree_atom>()) {
    return subtree(self);
  } else if (const auto* request = element_if<0, msg::session_request>(content)) {
    return to_account(
        self, request->account_id, [&] { return view.move_content_to_message(); },
        [&] {
          return caf::make_message(msg::refused_session(
              request->account_id, request->activity,
              std::string(lifecycle::to_string(lifecycle::refusal::not_here)),
              "no account " + request->account_id + " runs here", now_ms(self)));
        });
  } else if (const auto* cleared = element_if<1, msg::clear_recovery_atom, std::string>(content)) {
    return to_account(
        self, *cleared, [&] { return view.move_content_to_message(); },
        [] { return caf::make_message(false); });
  } else if (content.match_elements<msg::crash_atom>()) {
    throw std::runtime_error("pod " + st.pod_name + " crashed on request");
  } else {
    return caf::print_and_drop(actor, view);
  }
  return caf::message{};
}

}  // namespace

caf::behavior pod_actor(caf::stateful_actor<pod_actor_state>* self,
                        std::shared_ptr<const node_context> context,
                        std::shared_ptr<const config::troupe_config> config, std::string pod_name,
                        caf::actor supervisor) {
  auto& st = self->state;
  st.pod_name = std::move(pod_name);
  st.context = std::move(context);
  st.config = std::move(config);
  st.supervisor = std::move(supervisor);
  const auto& pod = pod_config_of(self);
  st.zone = date::locate_zone(pod.timezone.empty() ? st.config->timezone : pod.timezone);
  load_and_spawn_accounts(self);
  self->set_exit_handler([=](caf::exit_msg& exit) { on_exit(self, exit); });
  self->set_default_handler(handle_message);
  // The report every account sends; the others come through handle_message.
  return {
      [self](const msg::account_eligibility& report) {
        ++self->state.messages_handled;
        auto* member = member_of(self->state, report.account_id);
        if (member == nullptr) return;  // a retiring account
        member->eligible_at = report.next_check_at_ms;
        member->config_version = report.config_version;
        schedule_tick(self);
      },
  };
}

}  // namespace troupe::actors
