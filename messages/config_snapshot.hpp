// A new configuration for the actor tree, sent down from the supervisor on
// start and on every successful reload.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <cstdint>
#include <memory>

#include "config/config.hpp"

namespace troupe::msg {

struct config_snapshot {
  std::shared_ptr<const config::troupe_config> config;
  std::uint64_t version = 0;
};

}  // namespace troupe::msg

// The snapshot shares one immutable config among all actors of this node
// instead of copying it into every message; it never leaves the process, so
// it needs no serialization.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::msg::config_snapshot)
