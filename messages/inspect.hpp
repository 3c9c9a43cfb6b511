// What an actor tells about itself when inspected (console, API, tests).
#pragma once

#include <caf/meta/type_name.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace troupe::msg {

struct actor_snapshot {
  std::string kind;    // supervisor, pod, account, session, store, ...
  std::string id;      // e.g. "account:profile-a1"
  std::string parent;  // the parent's id, empty for the root
  std::map<std::string, std::string> state;     // kind-specific summary
  std::map<std::string, std::int64_t> counters; // kind-specific counters
  std::uint64_t mailbox_size = 0;
  std::uint64_t messages_handled = 0;
  std::uint64_t restarts = 0;
  std::string last_error;
};

// How long a parent waits for a child's snapshot when the tree is walked: a
// child that does not answer within it is left out. (CAF keeps each
// request's timeout, and the memory it holds, that long.)
inline constexpr std::chrono::seconds snapshot_timeout{10};

// The whole tree, parents before their children.
struct tree_snapshot {
  std::vector<actor_snapshot> actors;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_snapshot& x) {
  return f(caf::meta::type_name("actor_snapshot"), x.kind, x.id, x.parent, x.state, x.counters,
           x.mailbox_size, x.messages_handled, x.restarts, x.last_error);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tree_snapshot& x) {
  return f(caf::meta::type_name("tree_snapshot"), x.actors);
}

}  // namespace troupe::msg
