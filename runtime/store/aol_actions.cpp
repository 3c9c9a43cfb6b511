#include "runtime/store/aol_actions.hpp"

#include <boost/json.hpp>
#include <unordered_map>
#include <utility>

#include "runtime/store/aol_action_rows.hpp"
#include "runtime/store/enum_names.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

using aol_rows::action_row;

constexpr std::pair<action_status, const char*> action_status_names[] = {
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

// INSERT of one action unless its key is taken, returning the new row.
class insert_action_statement final : public kept_statement {
 public:
  explicit insert_action_statement(database& db)
      : statement_(
            prepare_statement(db.session(), aol_rows::insert_one_sql(), [this](soci::statement& s) {
              aol_rows::bind_action_columns(s, row_);
              s.exchange(soci::use(request_.type));
              s.exchange(soci::use(request_.payload_json));
              s.exchange(soci::use(request_.idempotency_key));
              s.exchange(soci::use(request_.priority));
              s.exchange(soci::use(request_.max_attempts));
              s.exchange(soci::use(run_at_ms_));
              s.exchange(soci::use(run_at_ms_));
              s.exchange(soci::use(now_ms_));
              s.exchange(soci::use(now_ms_));
            })) {}

  // The new action, or nullopt when the key was taken.
  std::optional<action> insert(const new_action& request, std::int64_t now_ms) {
    request_ = request;
    run_at_ms_ = request.run_at_ms.value_or(now_ms);
    now_ms_ = now_ms;
    std::optional<action> inserted;
    run_to_end(statement_, [&] { inserted = row_.read(); });
    return inserted;
  }

 private:
  // What the statement binds, declared before it.
  new_action request_;
  std::int64_t run_at_ms_ = 0;
  std::int64_t now_ms_ = 0;
  aol_rows::action_row row_;
  soci::statement statement_;
};

// SELECT of the action with a key.
class select_by_key_statement final : public kept_statement {
 public:
  explicit select_by_key_statement(database& db)
      : statement_(prepare_statement(db.session(),
                                     std::string("SELECT ") + aol_rows::action_columns +
                                         " FROM aol_actions WHERE idempotency_key = :key",
                                     [this](soci::statement& s) {
                                       aol_rows::bind_action_columns(s, row_);
                                       s.exchange(soci::use(key_));
                                     })) {}

  std::optional<action> select(const std::string& key) {
    key_ = key;
    std::optional<action> found;
    run_to_end(statement_, [&] { found = row_.read(); });
    return found;
  }

 private:
  std::string key_;
  aol_rows::action_row row_;
  soci::statement statement_;
};

// The batch of actions as the JSON array the batch statements read, in
// order (ord), with run_at_ms resolved.
std::string batch_json(const std::vector<new_action>& requests, std::int64_t now_ms) {
  boost::json::array rows;
  rows.reserve(requests.size());
  for (std::size_t index = 0; index < requests.size(); ++index) {
    const auto& request = requests[index];
    rows.push_back(boost::json::object{{"ord", index},
                                       {"type", request.type},
                                       {"payload", request.payload_json},
                                       {"idempotency_key", request.idempotency_key},
                                       {"priority", request.priority},
                                       {"max_attempts", request.max_attempts},
                                       {"run_at_ms", request.run_at_ms.value_or(now_ms)}});
  }
  return boost::json::serialize(rows);
}

// One INSERT of a whole batch (batch_json), skipping the keys taken (by an
// earlier action, or by an earlier item of the same batch), in the batch's
// order so that ids follow it; returns the rows it created.
class insert_batch_statement final : public kept_statement {
 public:
  explicit insert_batch_statement(database& db)
      : statement_(prepare_statement(db.session(), aol_rows::insert_batch_sql(db.kind()),
                                     [this](soci::statement& s) {
                                       aol_rows::bind_action_columns(s, row_);
                                       s.exchange(soci::use(now_ms_));
                                       s.exchange(soci::use(now_ms_));
                                       s.exchange(soci::use(batch_));
                                     })) {}

  std::vector<action> insert(std::string batch, std::int64_t now_ms) {
    batch_ = std::move(batch);
    now_ms_ = now_ms;
    std::vector<action> inserted;
    run_to_end(statement_, [&] { inserted.push_back(row_.read()); });
    return inserted;
  }

 private:
  std::int64_t now_ms_ = 0;
  std::string batch_;
  aol_rows::action_row row_;
  soci::statement statement_;
};

// SELECT of the actions with the keys of a batch (batch_json).
class select_batch_keys_statement final : public kept_statement {
 public:
  explicit select_batch_keys_statement(database& db)
      : statement_(prepare_statement(
            db.session(),
            std::string("SELECT ") + aol_rows::action_columns +
                " FROM aol_actions WHERE idempotency_key IN (SELECT b.idempotency_key FROM " +
                aol_rows::json_rows(db.kind(), ":batch", {{"idempotency_key", "TEXT"}}, "b") + ")",
            [this](soci::statement& s) {
              aol_rows::bind_action_columns(s, row_);
              s.exchange(soci::use(batch_));
            })) {}

  std::vector<action> select(const std::string& batch) {
    batch_ = batch;
    std::vector<action> found;
    run_to_end(statement_, [&] { found.push_back(row_.read()); });
    return found;
  }

 private:
  std::string batch_;
  aol_rows::action_row row_;
  soci::statement statement_;
};

// The outcome of each request in order, from the rows the batch created
// and, for the keys it did not, the rows already queued; the first item
// with a key created it, later ones with the same key found it.
result<std::vector<enqueue_outcome>> batch_outcomes(const std::vector<new_action>& requests,
                                                    std::vector<action> created,
                                                    std::vector<action> existing) {
  std::unordered_map<std::string, action> created_by_key, existing_by_key;
  for (auto& row : created) created_by_key.emplace(row.idempotency_key, std::move(row));
  for (auto& row : existing) existing_by_key.emplace(row.idempotency_key, std::move(row));
  std::vector<enqueue_outcome> outcomes;
  outcomes.reserve(requests.size());
  for (const auto& request : requests) {
    const auto& key = request.idempotency_key;
    if (auto fresh = created_by_key.find(key); fresh != created_by_key.end()) {
      outcomes.push_back({fresh->second, true});
      existing_by_key.emplace(key, std::move(fresh->second));
      created_by_key.erase(fresh);
    } else if (auto queued = existing_by_key.find(key); queued != existing_by_key.end()) {
      outcomes.push_back({queued->second, false});
    } else {
      return error{"action " + key + " was pruned while being enqueued again; enqueue it again"};
    }
  }
  return outcomes;
}

// The actions of a SELECT of every column followed by `rest`, whose
// placeholders `bind` binds.
template <class Bind>
std::vector<action> select_actions_where(database& db, const std::string& rest, Bind&& bind) {
  action_row row;
  const std::string text =
      std::string("SELECT ") + aol_rows::action_columns + " FROM aol_actions" + rest;
  auto select = prepare_statement(db.session(), text, [&](soci::statement& s) {
    aol_rows::bind_action_columns(s, row);
    bind(s);
  });
  return aol_rows::fetch_actions(select, row);
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
  return name_of(action_status_names, status, "UNKNOWN");
}

std::optional<action_status> parse_action_status(std::string_view name) {
  return value_of(action_status_names, name);
}

result<enqueue_outcome> enqueue_action(database& db, const new_action& request,
                                       std::int64_t now_ms) {
  if (auto valid = check_new_action(request); !valid) return valid.failure();
  const std::string& key = request.idempotency_key;
  return guarded("cannot enqueue action " + key, [&]() -> result<enqueue_outcome> {
    // Two statements, no transaction: the INSERT settles who creates the
    // row (a concurrent one waits for the first to commit, then does
    // nothing), and the committed row is there for every caller to read.
    auto created = with_kept<insert_action_statement>(
        db, [&](insert_action_statement& insert) { return insert.insert(request, now_ms); });
    if (created) return enqueue_outcome{std::move(*created), true};
    auto queued = with_kept<select_by_key_statement>(
        db, [&](select_by_key_statement& select) { return select.select(key); });
    if (!queued) {
      return error{"action " + key + " was pruned while being enqueued again; enqueue it again"};
    }
    return enqueue_outcome{std::move(*queued), false};
  });
}

result<std::vector<enqueue_outcome>> enqueue_actions(database& db,
                                                     const std::vector<new_action>& requests,
                                                     std::int64_t now_ms) {
  if (requests.size() > static_cast<std::size_t>(max_enqueue_batch)) {
    return error{"a batch holds at most " + std::to_string(max_enqueue_batch) + " actions, not " +
                 std::to_string(requests.size())};
  }
  for (std::size_t index = 0; index < requests.size(); ++index) {
    if (auto valid = check_new_action(requests[index]); !valid) {
      return error{"item " + std::to_string(index) + " of the batch: " + valid.failure().message};
    }
  }
  if (requests.empty()) return std::vector<enqueue_outcome>{};
  return guarded(
      "cannot enqueue a batch of " + std::to_string(requests.size()) + " actions",
      [&]() -> result<std::vector<enqueue_outcome>> {
        // One INSERT writes the whole batch or nothing; then, as
        // for one action, the committed rows of the keys it did
        // not create are read.
        const std::string batch = batch_json(requests, now_ms);
        auto created = with_kept<insert_batch_statement>(
            db, [&](insert_batch_statement& insert) { return insert.insert(batch, now_ms); });
        std::vector<action> existing;
        if (created.size() < requests.size()) {
          existing = with_kept<select_batch_keys_statement>(
              db, [&](select_batch_keys_statement& select) { return select.select(batch); });
        }
        return batch_outcomes(requests, std::move(created), std::move(existing));
      });
}

result<std::optional<action>> load_action(database& db, std::int64_t id) {
  return guarded("cannot load action " + std::to_string(id), [&] {
    auto found =
        select_actions_where(db, " WHERE id = :id", [&](soci::statement& s) { s.exchange(soci::use(id)); });
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
    return select_actions_where(db, filter.where + " ORDER BY id LIMIT :limit", [&](soci::statement& s) {
      s.exchange(soci::use(after_id));
      for (auto& text : filter.texts) s.exchange(soci::use(text));
      s.exchange(soci::use(limit));
    });
  });
}

result<std::map<action_status, std::int64_t>> count_actions_by_status(database& db) {
  return guarded("cannot count actions", [&] {
    std::map<action_status, std::int64_t> counts;
    for (const auto& [value, name] : action_status_names) counts[value] = 0;
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
