// How a request names actions to enqueue, read from JSON: the body of
// POST /api/actions (one action, or a batch {"actions": [...]}) and the
// file of `troupe enqueue --file`. Pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <vector>

#include "runtime/result.hpp"
#include "runtime/store/aol_actions.hpp"

namespace troupe::http {

// The action one object asks for: "type", "idempotency_key" (non-empty
// strings), "payload" (a JSON object), and optionally "priority",
// "max_attempts" (`default_max_attempts` when absent) and "run_at" (epoch
// ms or ISO-8601 UTC). Fails naming the first field that is missing, wrong
// or unknown.
result<store::new_action> new_action_of(const boost::json::object& body, int default_max_attempts);

// Whether a body is a batch: an object with the field "actions".
bool is_action_batch(const boost::json::object& body);

// The actions of a batch {"actions": [object, ...]}, each read by
// new_action_of, in order. Fails on anything but that one field, an empty
// array, more than store::max_enqueue_batch items, or a bad item, naming it
// ("actions[2]: ...").
result<std::vector<store::new_action>> new_actions_of(const boost::json::object& body,
                                                      int default_max_attempts);

}  // namespace troupe::http
