#include "runtime/ops/tree_probe.hpp"

#include "runtime/daemon.hpp"

namespace troupe::ops {
namespace {

std::string state_of(const msg::actor_snapshot& actor, const char* key) {
  const auto found = actor.state.find(key);
  return found == actor.state.end() ? std::string() : found->second;
}

account_view account_of(const msg::actor_snapshot& actor) {
  account_view account;
  account.id = actor.id.substr(actor.id.find(':') + 1);
  account.status = state_of(actor, "status");
  account.needs_recovery = state_of(actor, "needs_recovery") == "true";
  const auto streak = state_of(actor, "error_streak");
  account.error_streak = streak.empty() ? 0 : std::stoll(streak);
  account.last_error = actor.last_error;
  return account;
}

}  // namespace

tree_view view_of_tree(const std::optional<msg::actor_snapshot>& supervisor,
                       const std::optional<msg::tree_snapshot>& tree) {
  tree_view view;
  view.supervisor_answered = supervisor.has_value();
  if (supervisor) {
    auto counter = [&](const char* key) {
      const auto found = supervisor->counters.find(key);
      return found == supervisor->counters.end() ? std::int64_t{0} : found->second;
    };
    view.permits_in_use = counter("permits_in_use");
    view.permits_capacity = counter("permits_capacity");
    view.permits_waiting = counter("permits_waiting");
    view.pods = counter("pods");
  }
  if (!tree) return view;
  for (const auto& actor : tree->actors) {
    view.answered.push_back(actor.id);
    if (actor.kind == "account") view.accounts.push_back(account_of(actor));
  }
  return view;
}

tree_view probe_tree(daemon_tree& tree, std::chrono::milliseconds bound) {
  auto supervisor = tree.inspect_supervisor(bound);
  auto whole = supervisor ? tree.inspect_tree(bound + std::chrono::seconds(10)) : std::nullopt;
  return view_of_tree(supervisor, whole);
}

}  // namespace troupe::ops
