// The control flags `aol_control_flags` of the autonomous operations loop,
// read at every tick and set by the API, the CLI and the console:
//   paused  the loop claims nothing while set
//   proof   adapters only write an artifact of what they would do
// Stored as the text "true" or "false"; a flag never set is false (the
// loop seeds `proof` on in a new database: see seed_control_flag). Functions
// use the given database only; its contract (one thread at a time) applies.
// Behaviour is identical on SQLite and PostgreSQL.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

struct control_flags {
  bool paused = false;
  bool proof = false;
};

// The names set_control_flag accepts: "paused", "proof".
std::vector<std::string> control_flag_names();

// The flags as stored. Fails if a stored value is neither "true" nor "false".
result<control_flags> load_control_flags(database& db);

// Sets one flag. Fails on a name not in control_flag_names().
status set_control_flag(database& db, const std::string& name, bool value, std::int64_t now_ms);

// Sets one flag only if it was never set, and returns whether it did: how a
// new database gets its first value. Fails on a name not in control_flag_names().
result<bool> seed_control_flag(database& db, const std::string& name, bool value,
                               std::int64_t now_ms);

}  // namespace troupe::store
