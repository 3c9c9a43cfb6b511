// A pod actor: its accounts in rotation and the tick. At each tick it offers
// a plan to every account that could start a session by now, in rotation
// order, and then sleeps until the next 2-minute grid point at which one of
// them can (instead of ticking through hours of sleep: same behaviour, far
// fewer messages). It spawns its accounts linked: an account that crashes
// takes the pod down and the supervisor restarts the pod. A new config
// spawns the accounts it adds and retires those it removes (they quit after
// their running session); a pod told to shut down retires all its accounts
// and quits normally when the last one has.
#pragma once

#include <boost/container/flat_map.hpp>
#include <caf/actor.hpp>
#include <caf/stateful_actor.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "runtime/node_context.hpp"

namespace date {
class time_zone;
}

namespace troupe::actors {

// A spawned account, and what it last reported while the pod plans for it.
struct pod_member {
  caf::actor account;
  std::int64_t eligible_at = 0;      // earliest start the account reported
  std::uint64_t config_version = 0;  // of the snapshot it reported holding (0: none yet)
  bool planned = true;               // false once retiring: out of the rotation, counted nowhere
};

struct pod_actor_state {
  std::string pod_name;
  std::shared_ptr<const node_context> context;
  std::shared_ptr<const config::troupe_config> config;
  std::uint64_t config_version = 1;                 // of the snapshot it holds
  const date::time_zone* zone = nullptr;
  caf::actor supervisor;
  // The account ids in rotation order: the pod's list in the config it holds
  // (shares that config, copies no id); none once it retires.
  std::shared_ptr<const std::vector<std::string>> rotation;
  // Spawned, retiring ones too, by id. Side by side, found on every tick and
  // report (a map's scattered nodes were a tenth of troupe simulate at
  // 10,000 accounts, and ~90 bytes each).
  boost::container::flat_map<std::string, pod_member> accounts;
  std::size_t cursor = 0;                           // where the next tick's rotation begins
  std::int64_t next_tick_at_ms = 0;
  std::uint64_t tick_generation = 0;                // stale tick messages are ignored
  bool paused = false;
  bool retiring = false;                            // removed from the config
  std::uint64_t ticks = 0;
  std::uint64_t messages_handled = 0;
  static inline const char* name = "pod";
};

caf::behavior pod_actor(caf::stateful_actor<pod_actor_state>* self,
                        std::shared_ptr<const node_context> context,
                        std::shared_ptr<const config::troupe_config> config, std::string pod_name,
                        caf::actor supervisor);

}  // namespace troupe::actors
