#include "runtime/store/aol_claims.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>
#include <tuple>

#include "runtime/store/aol_action_rows.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

// The condition of every fenced write; binds the id, then the stored token.
constexpr const char* fenced = " WHERE id = :id AND status = 'RUNNING' AND lease_token = :token";

// The assignments that end a lease.
constexpr const char* lease_cleared = "lease_owner = NULL, lease_expires_at_ms = NULL";
// An attempt that ran: whatever held the action back before is over.
constexpr const char* attempt_settled =
    "lease_owner = NULL, lease_expires_at_ms = NULL, held_reason = NULL";

const std::string abandoned_error =
    "the lease of its last allowed attempt expired without an outcome (its holder died?)";

status check_claim(const std::string& owner, std::int64_t lease_ms, int max_batch) {
  if (owner.empty()) return error{"a claim needs an owner"};
  if (lease_ms < 1) return error{"a claim needs a lease of at least 1 ms"};
  if (max_batch < 1 || max_batch > max_claim_batch) {
    return error{"a claim takes 1 to " + std::to_string(max_claim_batch) + " actions, not " +
                 std::to_string(max_batch)};
  }
  return {};
}

// The UPDATE that moves expired RUNNING actions without attempts left to
// DLQ. Binds error, updated_at_ms, finished_at_ms, expired_before_ms.
std::string dead_letter_text() {
  return std::string("UPDATE aol_actions SET status = 'DLQ', last_error = :error, ") +
         lease_cleared +
         ", updated_at_ms = :updated_at_ms, finished_at_ms = :finished_at_ms"
         " WHERE status = 'RUNNING' AND lease_expires_at_ms < :expired_before_ms"
         " AND attempts >= max_attempts";
}

// The UPDATE that picks and claims the due rows. On PostgreSQL the picked
// rows are locked and rows another claimer holds locked are skipped, so
// concurrent claimers take disjoint sets without waiting for each other. On
// SQLite an UPDATE outside a transaction is its own write transaction that
// takes the database's single write lock (waiting out the busy timeout)
// before it reads anything, exactly what BEGIN IMMEDIATE would do, and holds
// it until the statement ends. Binds owner, lease_expires_at_ms,
// updated_at_ms, due_by_ms, expired_before_ms, max_batch.
std::string claim_text(backend kind) {
  return std::string(
             "UPDATE aol_actions SET status = 'RUNNING', lease_owner = :owner,"
             " lease_expires_at_ms = :lease_expires_at_ms, lease_token = ") +
         aol_rows::next_token_expression +
         ", attempts = attempts + 1, updated_at_ms = :updated_at_ms"
         " WHERE id IN (SELECT id FROM aol_actions"
         " WHERE (status IN ('PENDING', 'RETRY') AND next_attempt_at_ms <= :due_by_ms)"
         " OR (status = 'RUNNING' AND lease_expires_at_ms < :expired_before_ms"
         " AND attempts < max_attempts)"
         " ORDER BY priority DESC, next_attempt_at_ms, id LIMIT :max_batch" +
         (kind == backend::postgresql ? " FOR UPDATE SKIP LOCKED" : "") + ") RETURNING " +
         aol_rows::action_columns;
}

// The dead-lettering UPDATE on its own: SQLite runs it before each claim.
class dead_letter_statement final : public kept_statement {
 public:
  explicit dead_letter_statement(database& db)
      : statement_(prepare(db.session(), dead_letter_text(), soci::use(abandoned_error),
                           soci::use(now_ms_), soci::use(now_ms_), soci::use(now_ms_))) {}

  void run(std::int64_t now_ms) {
    now_ms_ = now_ms;
    run_to_end(statement_, [] {});
  }

 private:
  std::int64_t now_ms_ = 0;
  soci::statement statement_;
};

// The claim. On PostgreSQL the dead-lettering UPDATE rides along in a WITH
// clause, so a claim is one round trip: every part of the statement sees
// the same snapshot, and the rows it dead-letters (attempts used up) are
// never the ones it claims (attempts left).
class claim_statement final : public kept_statement {
 public:
  explicit claim_statement(database& db)
      : statement_(prepare_statement(db.session(), text(db.kind()), [&](soci::statement& s) {
          aol_rows::bind_action_columns(s, row_);
          if (db.kind() == backend::postgresql) {
            s.exchange(soci::use(abandoned_error));
            s.exchange(soci::use(now_ms_));
            s.exchange(soci::use(now_ms_));
            s.exchange(soci::use(now_ms_));
          }
          s.exchange(soci::use(owner_));
          s.exchange(soci::use(lease_expires_at_ms_));
          s.exchange(soci::use(now_ms_));
          s.exchange(soci::use(now_ms_));
          s.exchange(soci::use(now_ms_));
          s.exchange(soci::use(max_batch_));
        })) {}

  // Whether the dead-lettering is part of the claim.
  static bool dead_letters(backend kind) { return kind == backend::postgresql; }

  std::vector<action> claim(const std::string& owner, std::int64_t now_ms, std::int64_t lease_ms,
                            int max_batch) {
    owner_ = owner;
    now_ms_ = now_ms;
    lease_expires_at_ms_ = now_ms + lease_ms;
    max_batch_ = max_batch;
    std::vector<action> claimed;
    run_to_end(statement_, [&] { claimed.push_back(row_.read()); });
    return claimed;
  }

 private:
  static std::string text(backend kind) {
    if (!dead_letters(kind)) return claim_text(kind);
    return "WITH abandoned AS (" + dead_letter_text() + " RETURNING id) " + claim_text(kind);
  }

  std::string owner_;
  std::int64_t now_ms_ = 0;
  std::int64_t lease_expires_at_ms_ = 0;
  int max_batch_ = 0;
  aol_rows::action_row row_;
  soci::statement statement_;
};

// RETURNING gives rows in no particular order.
void sort_in_claim_order(std::vector<action>& actions) {
  std::sort(actions.begin(), actions.end(), [](const action& a, const action& b) {
    return std::make_tuple(-static_cast<std::int64_t>(a.priority), a.next_attempt_at_ms, a.id) <
           std::make_tuple(-static_cast<std::int64_t>(b.priority), b.next_attempt_at_ms, b.id);
  });
}

std::vector<action> claim(database& db, const std::string& owner, std::int64_t now_ms,
                          std::int64_t lease_ms, int max_batch) {
  if (!claim_statement::dead_letters(db.kind())) {
    with_kept<dead_letter_statement>(
        db, [&](dead_letter_statement& dead_letter) { dead_letter.run(now_ms); });
  }
  auto claimed = with_kept<claim_statement>(db, [&](claim_statement& statement) {
    return statement.claim(owner, now_ms, lease_ms, max_batch);
  });
  sort_in_claim_order(claimed);
  return claimed;
}

// The fenced completion of one action.
class complete_statement final : public kept_statement {
 public:
  explicit complete_statement(database& db)
      : statement_(prepare(
            db.session(),
            std::string("UPDATE aol_actions SET status = 'SUCCEEDED', ") + attempt_settled +
                ", updated_at_ms = :updated_at_ms, finished_at_ms = :finished_at_ms" + fenced,
            soci::use(now_ms_), soci::use(now_ms_), soci::use(id_), soci::use(token_))) {}

  // False when fenced.
  bool complete(std::int64_t id, std::int64_t token, std::int64_t now_ms) {
    id_ = id;
    token_ = aol_rows::stored_token(token);
    now_ms_ = now_ms;
    run_to_end(statement_, [] {});
    return statement_.get_affected_rows() > 0;
  }

 private:
  std::int64_t id_ = 0;
  std::string token_;
  std::int64_t now_ms_ = 0;
  soci::statement statement_;
};

// The fenced completion of a batch of actions in one UPDATE, given as a
// JSON array of {"id", "token"}; returns the ids it completed.
class complete_batch_statement final : public kept_statement {
 public:
  explicit complete_batch_statement(database& db)
      : statement_(prepare(db.session(), text(db.kind()), soci::into(completed_id_),
                           soci::use(now_ms_), soci::use(now_ms_), soci::use(batch_))) {}

  std::vector<std::int64_t> complete(const std::vector<claimed_action>& actions,
                                     std::int64_t now_ms) {
    boost::json::array rows;
    rows.reserve(actions.size());
    for (const auto& claimed : actions) {
      rows.push_back(boost::json::object{{"id", claimed.id},
                                         {"token", aol_rows::stored_token(claimed.token)}});
    }
    batch_ = boost::json::serialize(rows);
    now_ms_ = now_ms;
    std::vector<std::int64_t> completed;
    run_to_end(statement_, [&] { completed.push_back(completed_id_); });
    return completed;
  }

 private:
  static std::string text(backend kind) {
    // IN, not UPDATE ... FROM: SQLite would join the batch's rows once per
    // RUNNING row (a hundred times slower at a batch of 100), where IN reads
    // the batch once.
    return std::string("UPDATE aol_actions SET status = 'SUCCEEDED', ") + attempt_settled +
           ", updated_at_ms = :updated_at_ms, finished_at_ms = :finished_at_ms"
           " WHERE status = 'RUNNING' AND (id, lease_token) IN (SELECT done.id, done.token FROM " +
           aol_rows::json_rows(kind, ":batch", {{"id", "BIGINT"}, {"token", "TEXT"}}, "done") +
           ") RETURNING id";
  }

  std::int64_t completed_id_ = 0;
  std::int64_t now_ms_ = 0;
  std::string batch_;
  soci::statement statement_;
};

// The fenced UPDATE of a failed attempt, returning the new status; a
// permanent failure gives up whatever the attempts left.
template <bool permanent>
class fail_statement final : public kept_statement {
 public:
  explicit fail_statement(database& db)
      : statement_(prepare(db.session(), text(), soci::into(new_status_), soci::use(retry_at_ms_),
                           soci::use(now_ms_), soci::use(error_), soci::use(now_ms_),
                           soci::use(id_), soci::use(token_))) {}

  failure_outcome fail(std::int64_t id, std::int64_t token, const attempt_failure& failure,
                       std::int64_t now_ms) {
    id_ = id;
    token_ = aol_rows::stored_token(token);
    error_ = failure.error;
    retry_at_ms_ = now_ms + failure.retry_delay_ms;
    now_ms_ = now_ms;
    if (run_to_end(statement_, [] {}) == 0) return failure_outcome::fenced;
    return new_status_ == "DLQ" ? failure_outcome::dead_lettered : failure_outcome::retrying;
  }

 private:
  static std::string text() {
    const std::string give_up = permanent ? "TRUE" : "attempts >= max_attempts";
    // PostgreSQL infers a parameter's type from its context; in a CASE whose
    // other branch is NULL the cast supplies it.
    return "UPDATE aol_actions SET status = CASE WHEN " + give_up +
           " THEN 'DLQ' ELSE 'RETRY' END, next_attempt_at_ms = CASE WHEN " + give_up +
           " THEN next_attempt_at_ms ELSE :retry_at_ms END, finished_at_ms = CASE WHEN " + give_up +
           " THEN CAST(:finished_at_ms AS BIGINT) ELSE NULL END, last_error = :error, " +
           attempt_settled + ", updated_at_ms = :updated_at_ms" + fenced + " RETURNING status";
  }

  std::string new_status_;
  std::int64_t retry_at_ms_ = 0;
  std::int64_t now_ms_ = 0;
  std::string error_;
  std::int64_t id_ = 0;
  std::string token_;
  soci::statement statement_;
};

template <bool permanent>
failure_outcome record_failure(database& db, std::int64_t id, std::int64_t token,
                               const attempt_failure& failure, std::int64_t now_ms) {
  return with_kept<fail_statement<permanent>>(db, [&](fail_statement<permanent>& statement) {
    return statement.fail(id, token, failure, now_ms);
  });
}

}  // namespace

result<std::vector<action>> claim_due_actions(database& db, const std::string& owner,
                                              std::int64_t now_ms, std::int64_t lease_ms,
                                              int max_batch) {
  if (auto valid = check_claim(owner, lease_ms, max_batch); !valid) return valid.failure();
  return guarded("cannot claim due actions for " + owner,
                 [&] { return claim(db, owner, now_ms, lease_ms, max_batch); });
}

result<bool> renew_action_lease(database& db, std::int64_t id, std::int64_t token,
                                const std::string& owner, std::int64_t expires_at_ms) {
  const std::string stored_token = aol_rows::stored_token(token);
  return guarded("cannot renew the lease of action " + std::to_string(id), [&] {
    return execute(db.session(),
                   std::string("UPDATE aol_actions SET lease_expires_at_ms = :expires_at_ms") +
                       fenced + " AND lease_owner = :owner",
                   soci::use(expires_at_ms), soci::use(id), soci::use(stored_token),
                   soci::use(owner)) > 0;
  });
}

result<bool> complete_action(database& db, std::int64_t id, std::int64_t token,
                             std::int64_t now_ms) {
  return guarded("cannot complete action " + std::to_string(id), [&] {
    return with_kept<complete_statement>(
        db, [&](complete_statement& statement) { return statement.complete(id, token, now_ms); });
  });
}

result<std::vector<bool>> complete_actions(database& db, const std::vector<claimed_action>& actions,
                                           std::int64_t now_ms) {
  if (actions.empty()) return std::vector<bool>{};
  return guarded("cannot complete " + std::to_string(actions.size()) + " actions", [&] {
    // One statement: all of them in one transaction, in one round trip.
    auto ids = with_kept<complete_batch_statement>(db, [&](complete_batch_statement& statement) {
      return statement.complete(actions, now_ms);
    });
    std::multiset<std::int64_t> completed_ids(ids.begin(), ids.end());
    std::vector<bool> completed;
    completed.reserve(actions.size());
    // The same action named twice was completed once: by the first.
    for (const auto& claimed : actions) {
      auto found = completed_ids.find(claimed.id);
      completed.push_back(found != completed_ids.end());
      if (found != completed_ids.end()) completed_ids.erase(found);
    }
    return completed;
  });
}

result<failure_outcome> fail_action(database& db, std::int64_t id, std::int64_t token,
                                    const attempt_failure& failure, std::int64_t now_ms) {
  if (failure.retry_delay_ms < 0) {
    return error{"the retry delay of action " + std::to_string(id) + " is negative"};
  }
  return guarded("cannot record the failure of action " + std::to_string(id), [&] {
    return failure.permanent ? record_failure<true>(db, id, token, failure, now_ms)
                             : record_failure<false>(db, id, token, failure, now_ms);
  });
}

result<bool> consume_decision(database& db, std::int64_t id, std::int64_t token, std::int64_t now_ms) {
  const std::string stored_token = aol_rows::stored_token(token);
  return guarded("cannot clear the decision of action " + std::to_string(id), [&] {
    return execute(db.session(),
                   std::string("UPDATE aol_actions SET decision = NULL, updated_at_ms = :updated_at_ms") + fenced,
                   soci::use(now_ms), soci::use(id), soci::use(stored_token)) > 0;
  });
}

result<bool> request_decision(database& db, std::int64_t id, std::int64_t token,
                              std::int64_t now_ms) {
  const std::string stored_token = aol_rows::stored_token(token);
  return guarded("cannot park action " + std::to_string(id) + " for a decision", [&] {
    return execute(
               db.session(),
               std::string("UPDATE aol_actions SET status = 'NEEDS_DECISION', decision = NULL, ") +
                   attempt_settled + ", updated_at_ms = :updated_at_ms" + fenced,
               soci::use(now_ms), soci::use(id), soci::use(stored_token)) > 0;
  });
}

result<bool> hold_action(database& db, std::int64_t id, std::int64_t token,
                         const std::string& reason, std::int64_t recheck_at_ms,
                         std::int64_t now_ms) {
  if (reason.empty()) return error{"holding action " + std::to_string(id) + " needs a reason"};
  const std::string stored_token = aol_rows::stored_token(token);
  return guarded("cannot hold action " + std::to_string(id), [&] {
    return execute(db.session(),
                   std::string("UPDATE aol_actions SET status = 'PENDING', attempts = attempts - 1,"
                               " held_reason = :reason, next_attempt_at_ms = :recheck_at_ms, ") +
                       lease_cleared + ", updated_at_ms = :updated_at_ms" + fenced,
                   soci::use(reason), soci::use(recheck_at_ms), soci::use(now_ms), soci::use(id),
                   soci::use(stored_token)) > 0;
  });
}

result<bool> prove_action(database& db, std::int64_t id, std::int64_t token,
                          const std::string& artifact, std::int64_t now_ms) {
  const std::string stored_token = aol_rows::stored_token(token);
  return guarded("cannot record the PROOF rehearsal of action " + std::to_string(id), [&] {
    return execute(db.session(),
                   std::string("UPDATE aol_actions SET status = 'PROOFED', attempts = attempts - 1,"
                               " proof_artifact = :artifact, ") +
                       attempt_settled + ", updated_at_ms = :updated_at_ms" + fenced,
                   soci::use(artifact), soci::use(now_ms), soci::use(id),
                   soci::use(stored_token)) > 0;
  });
}

}  // namespace troupe::store
