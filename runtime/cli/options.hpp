// Command-line parsing for the `troupe` executable: the subcommand and its
// options, or the usage text to print. Pure: reads only argv.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace troupe::cli {

// Options shared by every subcommand that loads config or touches the store.
struct common_options {
  std::vector<std::string> config_files; // --config FILE (repeatable, merged in order)
  std::optional<std::string> db_url;     // --db URL (wins over db.url)
  std::optional<std::string> log_level;  // --log-level LEVEL (wins over log.level)
};

// Options of `troupe run`.
struct run_options {
  std::vector<std::string> pods;         // --pod NAME (repeatable; empty = all)
  std::optional<std::string> driver;     // --driver PROGRAM (replaces drivers.command)
  bool self_test = false;                // --test: run the self-test and exit
  std::optional<std::string> http;       // --http ADDR:PORT (wins over http.address/http.port)
  bool cluster = false;                  // --cluster: one node of a cluster on PostgreSQL
};

// Options of `troupe daemon`: the AOL loop alone (also --driver via run_options).
struct loop_options {
  bool proof = false;                    // --proof: adapters write artifacts, change nothing outside
  std::optional<int> ticks;              // --ticks N: stop after N ticks (default: until SIGTERM)
};

// Options of `troupe enqueue`, `troupe actions` and `troupe flags`.
struct queue_options {
  std::string type;                      // enqueue: the action type (positional)
  std::string payload = "{}";            // --payload JSON
  std::string key;                       // --key K (idempotency key)
  int priority = 0;                      // --priority P
  std::optional<std::string> run_at;     // --run-at T (ms or ISO-8601 UTC)
  std::optional<std::string> file;       // enqueue --file PATH: a batch of actions ('-': stdin)
  std::optional<std::string> status;     // actions --status S
  std::optional<std::int64_t> release;   // actions --release ID: a PROOFED action back to PENDING
  std::vector<std::string> set;          // flags --set name=value (repeatable)
  std::optional<std::string> decision_id;  // decisions --id ID
  std::optional<std::string> op;           // decisions --op approve|reject|mark_posted|retry|drop
  std::optional<std::string> post_id;      // decisions --post-id P (with --op mark_posted)
};

// Options of `troupe status`, `troupe actors` and `troupe summary`: they read a running daemon's API.
struct client_options {
  std::optional<std::string> url;        // --url http://ADDR:PORT (default: the config's http section)
  std::optional<std::string> pod;        // --pod NAME (actors, summary)
  std::optional<std::string> day;        // --day YYYY-MM-DD (summary; default: today)
  bool json = false;                     // --json (report, summary): the daemon's JSON as it is
};

// Options of `troupe simulate`.
struct simulate_options {
  int days = 1;
  std::uint64_t seed = 1;
  std::optional<int> pods;
  std::optional<int> accounts_per_pod;
  double p_hard = 0.0;             // share of sessions failing hard (recovery)
  double p_transient = 0.0;        // share of sessions failing transiently
  double p_recovery_fails = 0.0;   // share of recovery steps failing
  bool json = false;
};

// Options of `troupe diag`.
struct diag_options {
  bool json = false;  // --json: the report as one JSON object
};

enum class command_kind {
  help,
  version,
  run,
  check_config,
  migrate,
  tables,
  simulate,
  status,
  actors,
  daemon,
  enqueue,
  actions,
  flags,
  decisions,
  diag,
  report,
  summary,
  nodes
};

struct command_line {
  command_kind kind = command_kind::help;
  common_options common;
  run_options run;
  simulate_options simulate;
  client_options client;
  loop_options daemon;
  queue_options queue;
  diag_options diag;
  std::string help_text;                 // for command_kind::help
};

// A parse failure: the message and the usage of the subcommand involved.
struct usage_error {
  std::string message;
  std::string usage;
};

struct parse_result {
  std::optional<command_line> command;
  std::optional<usage_error> error;
};

parse_result parse_command_line(int argc, const char* const argv[]);

} // namespace troupe::cli
