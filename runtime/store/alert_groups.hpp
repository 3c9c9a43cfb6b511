// The operator's alert groups on the action queue: each group is one
// NOTIFY_ALERTS action (runtime/aol/adapters.hpp) whose payload is the
// webhook message (runtime/ops/alerts.hpp) and whose run_at is when the
// call goes out. Until its first attempt a group is open: alerts raised
// meanwhile are written into its payload, so the queue itself is where a
// group gathers and nothing is held in memory.
//
// This adds one transition to the queue's diagram (aol_actions.hpp):
//   PENDING, never attempted, not rehearsed --amend--> PENDING (new payload)
// A claim wins over an amend: the amend changes nothing once the action was
// claimed, and the caller starts a new group.
//
// Times are milliseconds since the epoch, passed in. Functions use the
// given database only; its contract (one thread at a time) applies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

// The action type of an alert group.
constexpr const char* alert_group_action = "NOTIFY_ALERTS";

struct open_alert_group {
  std::int64_t id = 0;
  std::string payload_json;
};

// The newest group still open (PENDING, never attempted, no PROOF
// artifact), or nullopt.
result<std::optional<open_alert_group>> load_open_alert_group(database& db);

// The run_at of every group due after `since_ms`: what the rate limit counts.
result<std::vector<std::int64_t>> alert_group_send_times(database& db, std::int64_t since_ms);

// Replaces the payload of open group `id` with `payload_json`, provided its
// payload is still `expected_payload`; false when the group was amended by
// someone else, claimed or removed meanwhile (read it again).
result<bool> amend_open_alert_group(database& db, std::int64_t id,
                                    const std::string& expected_payload,
                                    const std::string& payload_json, std::int64_t now_ms);

}  // namespace troupe::store
