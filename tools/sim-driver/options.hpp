// The simulated driver's command line: the driver contract's arguments and
// the simulation knobs, each settable as `--sim-NAME VALUE` or through the
// environment as SIM_DRIVER_NAME (flags win). Plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace troupe::sim_driver {

// What preflight answers: the target is there (ok), gone (deleted), the
// answer comes too late for any caller (slow), or the check fails (error).
enum class preflight_mode { ok, deleted, slow, error };

// How the simulated driver behaves, beyond what the contract asks of it.
struct simulation_knobs {
  std::uint64_t seed = 1;
  double time_scale = 1.0;       // 0.001 runs "--seconds 120" in 0.12 s
  double item_ms = 1000;         // the time of one counted item (a follow)
  double verb_ms = 500;          // the time of one verb
  std::int64_t progress = 3;     // progress lines of a session or verb
  double p_transient = 0;        // exit 2
  double p_auth = 0;             // exit 3
  double p_no_targets = 0;       // exit 4
  double p_hard = 0;             // exit 1
  double p_hang = 0;             // sleep until killed
  double p_flood = 0;            // write flood_bytes of output first
  double p_malformed = 0;        // write lines that are not the contract's
  double p_grandchild = 0;       // fork a grandchild that holds stdout
  bool ignore_term = false;      // SIGTERM is ignored: only SIGKILL ends it
  bool die_after_post = false;   // post records, then SIGKILLs itself before its result
  bool lookup_unknown = false;   // lookup cannot tell: exit 2
  std::optional<int> exit_code;  // forces the exit code
  std::string fail_activity;     // sessions of this activity fail hard; verbs do not
  std::int64_t flood_bytes = 50LL << 20;
  double grandchild_seconds = 30;     // real seconds, not scaled
  std::string ledger;                 // post appends its idempotency key here, once per key
  std::string post_log;               // post appends its idempotency key here on every call
  std::string session_ledger;         // a session enters itself here (session_ledger.hpp)
  std::int64_t session_slots = 0;     // the ledger's concurrency slots (0: not checked)
  std::vector<std::string> echo_env;  // variables whose values the result reports
  // The items of a harvest; drawn (3..12) when empty.
  std::optional<std::int64_t> harvest_count;
  preflight_mode preflight = preflight_mode::ok;
  double preflight_slow_ms = 60000;  // real milliseconds, not scaled
  double p_deleted = 0;              // preflight ok: the target was deleted since its harvest
  bool logged_out = false;           // whoami: not logged in
  std::string logged_out_file;       // whoami: not logged in while this file exists
};

struct driver_arguments {
  std::string script;    // e.g. "follow.js"
  std::string activity;  // the script's name: "follow"
  std::string verb;      // empty for an activity session
  std::string profile;
  std::string session;
  std::optional<std::int64_t> count;
  std::optional<double> seconds;
  bool proof = false;
  std::string step;             // recover
  std::string target;           // preflight
  std::string post_id;          // metrics
  std::string idempotency_key;  // post, lookup
  std::string text;             // post
  std::string reply_to;         // post: the post replied to, if any
  std::string targets_file;
  std::int64_t cursor = 0;
  bool help = false;
  simulation_knobs knobs;
};

struct parsed_arguments {
  std::optional<driver_arguments> arguments;
  std::string error;  // set when arguments is empty
};

// Parses argv (after the program name) and the SIM_DRIVER_* environment.
parsed_arguments parse_arguments(const std::vector<std::string>& argv);

// The text of --help.
std::string usage();

} // namespace troupe::sim_driver
