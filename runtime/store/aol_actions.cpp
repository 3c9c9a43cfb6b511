#include "runtime/store/aol_actions.hpp"

#include <boost/json.hpp>
#include <utility>

#include "runtime/store/aol_action_rows.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

using aol_rows::action_row;

constexpr std::pair<action_status, const char*> status_names[] = {
    {action_status::pending, "PENDING"},
    {action_status::running, "RUNNING"},
    {action_status::succeeded, "SUCCEEDED"},
    {action_status::retry, "RETRY"},
    {action_status::dlq, "DLQ"},
    {action_status::needs_decision, "NEEDS_DECISION"},
    {action_status::cancelled, "CANCELLED"},
    {action_status::proofed, "PROOFED"},
};

status check_new_action(const new_action& request) {
  if (request.type.empty()) return error{"an action needs a type"};
  if (request.idempotency_key.empty()) return error{"an action needs an idempotency key"};
  if (request.max_attempts < 1) {
    return error{"action " + request.idempotency_key + " needs max_attempts of at least 1"};
  }
  boost::json::error_code parse_error;
  boost::json::parse(request.payload_json, parse_error);
  if (parse_error) {
    return error{"the payload of action " + request.idempotency_key +
                 " is not JSON: " + parse_error.message()};
  }
  return {};
}

// Inserts the action unless its key is taken; returns whether it did.
bool insert_unless_key_taken(database& db, const new_action& request, std::int64_t now_ms) {
  const std::int64_t run_at_ms = request.run_at_ms.value_or(now_ms);
  std::int64_t new_id = 0;
  return query_first_row(
      db.session(),
      "INSERT INTO aol_actions (type, payload, idempotency_key, status, priority, attempts,"
      " max_attempts, run_at_ms, next_attempt_at_ms, created_at_ms, updated_at_ms)"
      " VALUES (:type, :payload, :key, 'PENDING', :priority, 0, :max_attempts, :run_at_ms,"
      " :next_attempt_at_ms, :created_at_ms, :updated_at_ms)"
      " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
      soci::into(new_id), soci::use(request.type), soci::use(request.payload_json),
      soci::use(request.idempotency_key), soci::use(request.priority),
      soci::use(request.max_attempts), soci::use(run_at_ms), soci::use(run_at_ms),
      soci::use(now_ms), soci::use(now_ms));
}

// The actions of a SELECT of every column followed by `rest`, whose
// placeholders `bind` binds.
template <class Bind>
std::vector<action> select_where(database& db, const std::string& rest, Bind&& bind) {
  action_row row;
  const std::string text =
      std::string("SELECT ") + aol_rows::action_columns + " FROM aol_actions" + rest;
  auto select = prepare_statement(db.session(), text, [&](soci::statement& s) {
    aol_rows::bind_action_columns(s, row);
    bind(s);
  });
  return aol_rows::fetch_actions(select, row);
}

std::optional<action> select_by_key(database& db, const std::string& key) {
  auto found = select_where(db, " WHERE idempotency_key = :key",
                            [&](soci::statement& s) { s.exchange(soci::use(key)); });
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

// The WHERE clause of `query` and the texts it binds after after_id.
struct action_filter {
  std::string where = " WHERE id > :after_id";
  std::vector<std::string> texts;

  explicit action_filter(const action_query& query) {
    if (query.status) {
      where += " AND status = :status";
      texts.push_back(to_string(*query.status));
    }
    if (query.type) {
      where += " AND type = :type";
      texts.push_back(*query.type);
    }
  }
};

// Ends a NEEDS_DECISION action with `decision` in the final status `final_status`.
long long finish_waiting(database& db, std::int64_t id, const char* final_status,
                         const std::string& decision, std::int64_t now_ms) {
  return execute(db.session(),
                 std::string("UPDATE aol_actions SET status = '") + final_status +
                     "', decision = :decision, updated_at_ms = :updated_at_ms,"
                     " finished_at_ms = :finished_at_ms"
                     " WHERE id = :id AND status = 'NEEDS_DECISION'",
                 soci::use(decision), soci::use(now_ms), soci::use(now_ms), soci::use(id));
}

// Stores the decision and makes the action due now.
long long resume_with(database& db, std::int64_t id, const std::string& decision,
                      std::int64_t now_ms) {
  return execute(db.session(),
                 "UPDATE aol_actions SET status = 'PENDING', decision = :decision,"
                 " next_attempt_at_ms = :next_attempt_at_ms, updated_at_ms = :updated_at_ms"
                 " WHERE id = :id AND status = 'NEEDS_DECISION'",
                 soci::use(decision), soci::use(now_ms), soci::use(now_ms), soci::use(id));
}

}  // namespace

const char* to_string(action_status status) {
  for (const auto& [value, name] : status_names) {
    if (value == status) return name;
  }
  return "UNKNOWN";
}

std::optional<action_status> parse_action_status(std::string_view name) {
  for (const auto& [value, stored] : status_names) {
    if (name == stored) return value;
  }
  return std::nullopt;
}

result<enqueue_outcome> enqueue_action(database& db, const new_action& request,
                                       std::int64_t now_ms) {
  if (auto valid = check_new_action(request); !valid) return valid.failure();
  const std::string& key = request.idempotency_key;
  return guarded("cannot enqueue action " + key, [&]() -> result<enqueue_outcome> {
    // Two statements, no transaction: the INSERT settles who creates the
    // row (a concurrent one waits for the first to commit, then does
    // nothing), and the committed row is there for every caller to read.
    const bool created = insert_unless_key_taken(db, request, now_ms);
    auto queued = select_by_key(db, key);
    if (!queued) {
      return error{"action " + key + " was pruned while being enqueued again; enqueue it again"};
    }
    return enqueue_outcome{std::move(*queued), created};
  });
}

result<std::optional<action>> load_action(database& db, std::int64_t id) {
  return guarded("cannot load action " + std::to_string(id), [&] {
    auto found =
        select_where(db, " WHERE id = :id", [&](soci::statement& s) { s.exchange(soci::use(id)); });
    return found.empty() ? std::optional<action>{}
                         : std::optional<action>{std::move(found.front())};
  });
}

result<std::vector<action>> list_actions(database& db, const action_query& query) {
  if (query.limit < 1 || query.limit > max_action_page) {
    return error{"an action page holds 1 to " + std::to_string(max_action_page) + " actions, not " +
                 std::to_string(query.limit)};
  }
  return guarded("cannot list actions", [&] {
    action_filter filter(query);
    std::int64_t after_id = query.after_id;
    int limit = query.limit;
    return select_where(db, filter.where + " ORDER BY id LIMIT :limit", [&](soci::statement& s) {
      s.exchange(soci::use(after_id));
      for (auto& text : filter.texts) s.exchange(soci::use(text));
      s.exchange(soci::use(limit));
    });
  });
}

result<std::map<action_status, std::int64_t>> count_actions_by_status(database& db) {
  return guarded("cannot count actions", [&] {
    std::map<action_status, std::int64_t> counts;
    for (const auto& [value, name] : status_names) counts[value] = 0;
    std::string name;
    std::int64_t count = 0;
    auto select = prepare(db.session(), "SELECT status, COUNT(*) FROM aol_actions GROUP BY status",
                          soci::into(name), soci::into(count));
    select.execute();
    while (select.fetch()) {
      // Statuses the CHECK constraint lets through are all known.
      if (auto known = parse_action_status(name)) counts[*known] = count;
    }
    return counts;
  });
}

std::int64_t waiting_actions(const std::map<action_status, std::int64_t>& counts) {
  std::int64_t waiting = 0;
  for (const auto status : {action_status::pending, action_status::retry}) {
    if (const auto found = counts.find(status); found != counts.end()) waiting += found->second;
  }
  return waiting;
}

result<bool> decide_action(database& db, std::int64_t id, const std::string& decision,
                           std::int64_t now_ms) {
  if (decision.empty()) return error{"a decision on action " + std::to_string(id) + " is empty"};
  if (decision == auto_skip_decision) {
    return error{"the decision 'auto-skip' is reserved for a decision that timed out"};
  }
  return guarded("cannot record the decision on action " + std::to_string(id), [&] {
    if (decision == skip_decision) return finish_waiting(db, id, "SUCCEEDED", decision, now_ms) > 0;
    if (decision == cancel_decision) {
      return finish_waiting(db, id, "CANCELLED", decision, now_ms) > 0;
    }
    return resume_with(db, id, decision, now_ms) > 0;
  });
}

result<std::int64_t> skip_expired_decisions(database& db, std::int64_t now_ms,
                                            std::int64_t timeout_ms) {
  // Nothing else writes a NEEDS_DECISION row, so its updated_at_ms is when
  // it began to wait.
  const std::int64_t waiting_since_ms = now_ms - timeout_ms;
  const std::string decision = auto_skip_decision;
  return guarded("cannot skip expired decisions", [&]() -> std::int64_t {
    return execute(db.session(),
                   "UPDATE aol_actions SET status = 'SUCCEEDED', decision = :decision,"
                   " updated_at_ms = :updated_at_ms, finished_at_ms = :finished_at_ms"
                   " WHERE status = 'NEEDS_DECISION' AND updated_at_ms <= :waiting_since_ms",
                   soci::use(decision), soci::use(now_ms), soci::use(now_ms),
                   soci::use(waiting_since_ms));
  });
}

result<bool> retry_dead_action(database& db, std::int64_t id, std::int64_t now_ms) {
  return guarded("cannot retry action " + std::to_string(id), [&] {
    return execute(db.session(),
                   "UPDATE aol_actions SET status = 'PENDING', attempts = 0,"
                   " next_attempt_at_ms = :next_attempt_at_ms, updated_at_ms = :updated_at_ms,"
                   " finished_at_ms = NULL WHERE id = :id AND status = 'DLQ'",
                   soci::use(now_ms), soci::use(now_ms), soci::use(id)) > 0;
  });
}

result<bool> release_proofed_action(database& db, std::int64_t id, std::int64_t now_ms) {
  return guarded("cannot release action " + std::to_string(id), [&] {
    return execute(db.session(),
                   "UPDATE aol_actions SET status = 'PENDING', held_reason = NULL,"
                   " next_attempt_at_ms = :next_attempt_at_ms, updated_at_ms = :updated_at_ms"
                   " WHERE id = :id AND status = 'PROOFED'",
                   soci::use(now_ms), soci::use(now_ms), soci::use(id)) > 0;
  });
}

result<std::int64_t> wake_held_actions(database& db, std::int64_t now_ms) {
  return guarded("cannot wake held actions", [&]() -> std::int64_t {
    return execute(db.session(),
                   "UPDATE aol_actions SET next_attempt_at_ms = :next_attempt_at_ms"
                   " WHERE status = 'PENDING' AND held_reason IS NOT NULL"
                   " AND next_attempt_at_ms > :now_ms",
                   soci::use(now_ms), soci::use(now_ms));
  });
}

result<bool> cancel_action(database& db, std::int64_t id, std::int64_t now_ms) {
  return guarded("cannot cancel action " + std::to_string(id), [&] {
    return execute(db.session(),
                   "UPDATE aol_actions SET status = 'CANCELLED', updated_at_ms = :updated_at_ms,"
                   " finished_at_ms = :finished_at_ms WHERE id = :id"
                   " AND status IN ('PENDING', 'RETRY', 'NEEDS_DECISION', 'DLQ', 'PROOFED')",
                   soci::use(now_ms), soci::use(now_ms), soci::use(id)) > 0;
  });
}

result<std::int64_t> prune_terminal_actions(database& db, std::int64_t finished_before_ms) {
  return guarded("cannot prune finished actions", [&]() -> std::int64_t {
    // Their execution logs go with them (ON DELETE CASCADE).
    return execute(db.session(),
                   "DELETE FROM aol_actions WHERE status IN ('SUCCEEDED', 'CANCELLED')"
                   " AND finished_at_ms < :finished_before_ms",
                   soci::use(finished_before_ms));
  });
}

}  // namespace troupe::store
