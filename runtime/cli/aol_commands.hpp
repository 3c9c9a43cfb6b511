// The autonomous operations loop's commands: `troupe daemon` runs only the
// loop; `troupe enqueue`, `troupe actions` and `troupe flags` work on the
// queue in the configured database directly (the daemon need not run).
#pragma once

#include "runtime/cli/options.hpp"

namespace troupe::cli {

// Runs the loop until SIGINT/SIGTERM or --ticks N, printing one line per tick:
// "[AOL Tick i] SUCCESS | Actions: a attempted, s succeeded | Duration: x.xxs".
int daemon_command(const command_line& line);

// Enqueues TYPE with --payload and --key; prints the action and whether it was
// created (exit 0) or already there (exit 0, "exists"); bad input exits 2.
int enqueue_command(const command_line& line);

// Lists actions (optionally of one --status) as a table.
int actions_command(const command_line& line);

// Prints the control flags; with --set name=value sets them first.
int flags_command(const command_line& line);

// `troupe decisions [--status S]`: the content decisions, newest first (up to
// 500). `troupe decisions --id ID --op OP [--post-id P]`: the operator's
// answer to a decision waiting for one (runtime/pipeline/operator_answers.hpp),
// the same as PATCH /api/decisions/{id}: exit 0 when taken, 1 when refused
// (the reason on stderr), 2 on bad input.
int decisions_command(const command_line& line);

// `troupe diag [--json]`: the reply pipeline's report from the database
// (runtime/pipeline/reply_diagnostics.hpp), as text or one JSON object; exit
// 0 whatever the stages' verdicts, 1 when the database cannot be read.
int diag_command(const command_line& line);

}  // namespace troupe::cli
