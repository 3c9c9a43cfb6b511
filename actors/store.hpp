// The store actor: the only actor that talks SQL. It runs detached (its own
// thread, so blocking SQL never stalls CAF's scheduler), owns one database
// session, writes behind (account states, runner events, sessions and
// summary increments are batched and flushed every `flush_interval`), and
// answers loads of a pod's accounts. A database that goes away is retried at
// every flush; nothing pending is lost and the daemon stays up. It answers
// the liveness probe (msg::alive_atom) between two pieces of SQL work, so a
// store stuck in one does not answer it.
#pragma once

#include <caf/actor.hpp>
#include <caf/stateful_actor.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "runtime/store/database.hpp"
#include "runtime/write_behind.hpp"

namespace troupe::actors {

struct store_state {
  std::optional<store::database> db;
  std::string url;
  int busy_timeout_ms = 5000;
  write_behind pending;
  std::chrono::milliseconds flush_interval{200};
  bool flush_scheduled = false;
  bool last_flush_failed = false;
  std::uint64_t messages_handled = 0;
  std::string last_error;
  static inline const char* name = "store";

  // CAF destroys the state when the actor exits: the last writes go out then.
  ~store_state();
};

// Opens `url` (already migrated by the caller); spawn it with caf::detached.
caf::behavior store_actor(caf::stateful_actor<store_state>* self, std::string url,
                          int busy_timeout_ms);

}  // namespace troupe::actors
