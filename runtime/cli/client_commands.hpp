// `troupe status`, `troupe actors`, `troupe report` and `troupe summary`:
// what a running daemon's HTTP API says (--url, default the config's http
// address and port), for a terminal.
#pragma once

#include "runtime/cli/options.hpp"

namespace troupe::cli {

// Health, readiness, config version, the semaphore and the pods. Exit 0 when
// the daemon answers and is ready, 1 when it is unreachable or not ready.
int status_command(const command_line& line);

// The actor tree (optionally one pod's part) as a table. Exit 0 when the
// daemon answers, 1 when it is unreachable, 2 on an unknown --pod.
int actors_command(const command_line& line);

// `troupe report [--json] [--url URL]`: GET /api/report, layer by layer
// (or its JSON); exits 0 when everything goes well, 1 when something needs
// attention or the daemon cannot be reached.
int report_command(const command_line& line);

// The daily summaries per account (GET /api/summaries) of --day (default:
// the daemon's today) and --pod as a table, or the daemon's JSON with
// --json. Exit 0 when the daemon answers, 1 when it is unreachable, 2 on a
// malformed --day or an unknown --pod.
int summary_command(const command_line& line);

}  // namespace troupe::cli
