// Registers every serializable message type of Troupe with an actor system
// config, once, before the actor system is built.
#pragma once

#include <caf/actor_system_config.hpp>

namespace troupe::msg {

void register_message_types(caf::actor_system_config& config);

}  // namespace troupe::msg
