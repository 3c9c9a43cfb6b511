#include "runtime/store/aol_claims.hpp"

#include <soci/soci.h>

#include <algorithm>
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

// Moves expired RUNNING actions without attempts left to DLQ.
void dead_letter_abandoned(database& db, std::int64_t now_ms) {
  execute(db.session(),
          std::string("UPDATE aol_actions SET status = 'DLQ', last_error = :error, ") +
              lease_cleared +
              ", updated_at_ms = :updated_at_ms, finished_at_ms = :finished_at_ms"
              " WHERE status = 'RUNNING' AND lease_expires_at_ms < :expired_before_ms"
              " AND attempts >= max_attempts",
          soci::use(abandoned_error), soci::use(now_ms), soci::use(now_ms), soci::use(now_ms));
}

// One statement picks and updates the due rows. On PostgreSQL the picked
// rows are locked and rows another claimer holds locked are skipped, so
// concurrent claimers take disjoint sets without waiting for each other. On
// SQLite an UPDATE outside a transaction is its own write transaction that
// takes the database's single write lock (waiting out the busy timeout)
// before it reads anything, exactly what BEGIN IMMEDIATE would do, and holds
// it until the statement ends.
std::string claim_statement(backend kind) {
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

// RETURNING gives rows in no particular order.
void sort_in_claim_order(std::vector<action>& actions) {
  std::sort(actions.begin(), actions.end(), [](const action& a, const action& b) {
    return std::make_tuple(-static_cast<std::int64_t>(a.priority), a.next_attempt_at_ms, a.id) <
           std::make_tuple(-static_cast<std::int64_t>(b.priority), b.next_attempt_at_ms, b.id);
  });
}

std::vector<action> claim(database& db, const std::string& owner, std::int64_t now_ms,
                          std::int64_t lease_ms, int max_batch) {
  const std::int64_t lease_expires_at_ms = now_ms + lease_ms;
  aol_rows::action_row row;
  auto update =
      prepare_statement(db.session(), claim_statement(db.kind()), [&](soci::statement& s) {
        aol_rows::bind_action_columns(s, row);
        s.exchange(soci::use(owner));
        s.exchange(soci::use(lease_expires_at_ms));
        s.exchange(soci::use(now_ms));
        s.exchange(soci::use(now_ms));
        s.exchange(soci::use(now_ms));
        s.exchange(soci::use(max_batch));
      });
  auto claimed = aol_rows::fetch_actions(update, row);
  sort_in_claim_order(claimed);
  return claimed;
}

// The fenced completion of the action `id` and `token` name when executed.
soci::statement prepare_complete(database& db, const std::int64_t& id, const std::string& token,
                                 const std::int64_t& now_ms) {
  return prepare(db.session(),
                 std::string("UPDATE aol_actions SET status = 'SUCCEEDED', ") + attempt_settled +
                     ", updated_at_ms = :updated_at_ms, finished_at_ms = :finished_at_ms" + fenced,
                 soci::use(now_ms), soci::use(now_ms), soci::use(id), soci::use(token));
}

// The fenced UPDATE of a failed attempt, returning the new status. Binds
// retry_at_ms, finished_at_ms, error, updated_at_ms, id, token.
std::string fail_statement(bool permanent) {
  const std::string give_up = permanent ? "TRUE" : "attempts >= max_attempts";
  // PostgreSQL infers a parameter's type from its context; in a CASE whose
  // other branch is NULL the cast supplies it.
  return "UPDATE aol_actions SET status = CASE WHEN " + give_up +
         " THEN 'DLQ' ELSE 'RETRY' END, next_attempt_at_ms = CASE WHEN " + give_up +
         " THEN next_attempt_at_ms ELSE :retry_at_ms END, finished_at_ms = CASE WHEN " + give_up +
         " THEN CAST(:finished_at_ms AS BIGINT) ELSE NULL END, last_error = :error, " +
         attempt_settled + ", updated_at_ms = :updated_at_ms" + fenced + " RETURNING status";
}

bool execute_once(soci::statement& statement) {
  statement.execute(true);
  return statement.get_affected_rows() > 0;
}

}  // namespace

result<std::vector<action>> claim_due_actions(database& db, const std::string& owner,
                                              std::int64_t now_ms, std::int64_t lease_ms,
                                              int max_batch) {
  if (auto valid = check_claim(owner, lease_ms, max_batch); !valid) return valid.failure();
  return guarded("cannot claim due actions for " + owner, [&] {
    dead_letter_abandoned(db, now_ms);
    return claim(db, owner, now_ms, lease_ms, max_batch);
  });
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
  const std::string stored_token = aol_rows::stored_token(token);
  return guarded("cannot complete action " + std::to_string(id), [&] {
    auto complete = prepare_complete(db, id, stored_token, now_ms);
    return execute_once(complete);
  });
}

result<std::vector<bool>> complete_actions(database& db, const std::vector<claimed_action>& actions,
                                           std::int64_t now_ms) {
  return guarded("cannot complete " + std::to_string(actions.size()) + " actions", [&] {
    std::vector<bool> completed;
    soci::transaction transaction(db.session());
    {
      std::int64_t id = 0;
      std::string stored_token;
      auto complete = prepare_complete(db, id, stored_token, now_ms);
      for (const auto& claimed : actions) {
        id = claimed.id;
        stored_token = aol_rows::stored_token(claimed.token);
        completed.push_back(execute_once(complete));
      }
    }
    transaction.commit();
    return completed;
  });
}

result<failure_outcome> fail_action(database& db, std::int64_t id, std::int64_t token,
                                    const attempt_failure& failure, std::int64_t now_ms) {
  if (failure.retry_delay_ms < 0) {
    return error{"the retry delay of action " + std::to_string(id) + " is negative"};
  }
  const std::string stored_token = aol_rows::stored_token(token);
  const std::int64_t retry_at_ms = now_ms + failure.retry_delay_ms;
  return guarded("cannot record the failure of action " + std::to_string(id), [&] {
    std::string new_status;
    const bool written =
        query_first_row(db.session(), fail_statement(failure.permanent), soci::into(new_status),
                        soci::use(retry_at_ms), soci::use(now_ms), soci::use(failure.error),
                        soci::use(now_ms), soci::use(id), soci::use(stored_token));
    if (!written) return failure_outcome::fenced;
    return new_status == "DLQ" ? failure_outcome::dead_lettered : failure_outcome::retrying;
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
