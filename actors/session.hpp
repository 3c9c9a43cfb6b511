// A session actor: one "browser session", i.e. one driver child process. It
// tells its account session_started, relays progress, sends
// session_finished and quits. In simulation a session is its model on the
// virtual clock, and no actor: its account gets only session_finished.
//
// With real drivers the actor is an ordinary event-based actor: the shared
// driver reactor (runtime/driver/driver_reactor.hpp) spawns and watches the
// driver on its one I/O thread and reports the outcome as a message, so no
// session has a thread of its own and none blocks a scheduler thread. The
// account keeps the cancel token to stop the driver on shutdown; the driver
// of a session actor that dies is stopped the same way.
#pragma once

#include <caf/actor.hpp>
#include <caf/local_actor.hpp>
#include <memory>

#include "config/config.hpp"
#include "messages/sessions.hpp"
#include "runtime/driver/cancel_token.hpp"
#include "runtime/node_context.hpp"

namespace troupe::actors {

// Spawns the session described by `spec` for the account `owner` (which
// receives its messages). `count`/`seconds` are the planned amount, used by
// the model in simulation, where no actor is spawned (the handle is
// empty). `cancel` stops the driver (null: the session makes a token of its
// own).
caf::actor spawn_session(caf::local_actor* owner, const std::shared_ptr<const node_context>& context,
                         const config::troupe_config& config, const msg::session_spec& spec,
                         std::optional<std::int64_t> count, std::optional<std::int64_t> seconds,
                         const std::shared_ptr<driver::cancel_token>& cancel);

// The units done and targets consumed that a driver's result object reports
// ("count" and "consumed"; 0 when absent or malformed).
std::pair<std::int64_t, std::int64_t> result_counts(const std::string& result_json);

}  // namespace troupe::actors
