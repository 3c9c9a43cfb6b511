// The `cluster_session_requests` table: RUN_SESSION actions routed to the
// node that holds the account's pod (cluster mode). The AOL loop runs on
// one node, but only the node holding a pod's lease runs its accounts'
// sessions: the loop files a request for that node (file_session_request),
// the node claims the requests filed for it (claim_session_requests), runs
// each through its tree and records the end (finish_session_request); the
// loop's attempt reads the request until it is done (read_session_request)
// or withdraws it while it still waits.
//
// PostgreSQL only: every function fails on SQLite. Times are the
// database's clock. Functions use the given database only; its contract
// (one thread at a time) applies. Two nodes never claim one request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

// A request as the node that runs it sees it.
struct session_request_row {
  std::int64_t id = 0;
  std::string node;
  std::string pod;
  std::int64_t epoch = 0;  // of the pod lease it was routed under
  std::string account_id;
  std::string activity;    // empty: the account's choice
};

// How the session ended (a finished request).
struct session_request_end {
  std::string session_id;
  std::string outcome;  // as msg::session_finished: success, refused, ...
  std::string refusal;  // set when refused
  std::string error;
};

// Files a request for the node holding `pod`'s lease now, in one statement
// with the lease's read. nullopt when no node holds it (none live, or a
// hand-over in progress). Fails on an empty pod or account.
result<std::optional<session_request_row>> file_session_request(database& db, const std::string& pod,
                                                                const std::string& account_id,
                                                                const std::string& activity,
                                                                std::int64_t action_id);

// Marks every request waiting for `node` running and returns them, oldest
// first. Fails on an empty node.
result<std::vector<session_request_row>> claim_session_requests(database& db, const std::string& node);

// Records the end of a running request; false when it is not running.
result<bool> finish_session_request(database& db, std::int64_t id, const session_request_end& end);

// Withdraws a request still waiting; false when its node claimed it already
// (or it is gone).
result<bool> withdraw_session_request(database& db, std::int64_t id);

enum class session_request_status { waiting, running, done, withdrawn };

struct session_request_state {
  session_request_status status = session_request_status::waiting;
  // Whether the node it was routed to still holds the pod's lease with that epoch.
  bool node_holds_pod = false;
  std::optional<session_request_end> end;  // when done
};

// The request as it stands; nullopt when there is no such request.
result<std::optional<session_request_state>> read_session_request(database& db, std::int64_t id);

}  // namespace troupe::store
