#include "runtime/store/cluster_session_requests.hpp"

#include <soci/soci.h>

#include <algorithm>

#include "runtime/store/cluster_database.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

result<session_request_status> status_named(const std::string& name) {
  if (name == "waiting") return session_request_status::waiting;
  if (name == "running") return session_request_status::running;
  if (name == "done") return session_request_status::done;
  if (name == "withdrawn") return session_request_status::withdrawn;
  return error{"cluster_session_requests: unknown status '" + name + "'"};
}

}  // namespace

result<std::optional<session_request_row>> file_session_request(database& db, const std::string& pod,
                                                                const std::string& account_id,
                                                                const std::string& activity,
                                                                std::int64_t action_id) {
  const auto what = "route a session of " + account_id + " to the node of pod " + pod;
  if (auto refused = require_cluster_database(db, what); !refused) return refused.failure();
  if (pod.empty() || account_id.empty()) return error{"cannot " + what + ": no pod or no account named"};
  return guarded("cannot " + what, [&] {
    session_request_row row{0, "", pod, 0, account_id, activity};
    const bool filed = query_first_row(
        db.session(),
        clock_cte +
            " INSERT INTO cluster_session_requests"
            " (node, pod, epoch, account_id, activity, action_id, created_at, updated_at)"
            " SELECT l.node, l.pod, l.epoch, :account_id, :activity, :action_id, clock.now_ms, clock.now_ms"
            " FROM pod_leases l, clock WHERE l.pod = :pod AND l.expires_at > clock.now_ms"
            " RETURNING id, node, epoch",
        soci::into(row.id), soci::into(row.node), soci::into(row.epoch), soci::use(account_id),
        soci::use(activity), soci::use(action_id), soci::use(pod));
    return filed ? std::optional<session_request_row>{row} : std::nullopt;
  });
}

result<std::vector<session_request_row>> claim_session_requests(database& db, const std::string& node) {
  const auto what = "claim the session requests of " + node;
  if (auto refused = require_cluster_database(db, what); !refused) return refused.failure();
  if (node.empty()) return error{"cannot claim session requests: no node named"};
  return guarded("cannot " + what, [&] {
    session_request_row row;
    auto claimed = prepare(db.session(),
                           clock_cte +
                               " UPDATE cluster_session_requests r SET status = 'running',"
                               " updated_at = clock.now_ms FROM clock"
                               " WHERE r.id IN (SELECT id FROM cluster_session_requests"
                               " WHERE node = :node AND status = 'waiting' FOR UPDATE SKIP LOCKED)"
                               " RETURNING r.id, r.node, r.pod, r.epoch, r.account_id, r.activity",
                           soci::into(row.id), soci::into(row.node), soci::into(row.pod),
                           soci::into(row.epoch), soci::into(row.account_id), soci::into(row.activity),
                           soci::use(node));
    std::vector<session_request_row> rows;
    run_to_end(claimed, [&] { rows.push_back(row); });
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return rows;
  });
}

result<bool> finish_session_request(database& db, std::int64_t id, const session_request_end& end) {
  const auto what = "record the end of session request " + std::to_string(id);
  if (auto refused = require_cluster_database(db, what); !refused) return refused.failure();
  return guarded("cannot " + what, [&] {
    return execute(db.session(),
                   std::string("UPDATE cluster_session_requests SET status = 'done', session_id = :session_id,"
                               " outcome = :outcome, refusal = :refusal, error = :error, updated_at = ") +
                       database_now_ms + " WHERE id = :id AND status = 'running'",
                   soci::use(end.session_id), soci::use(end.outcome), soci::use(end.refusal),
                   soci::use(end.error), soci::use(id)) > 0;
  });
}

result<bool> withdraw_session_request(database& db, std::int64_t id) {
  const auto what = "withdraw session request " + std::to_string(id);
  if (auto refused = require_cluster_database(db, what); !refused) return refused.failure();
  return guarded("cannot " + what, [&] {
    return execute(db.session(),
                   std::string("UPDATE cluster_session_requests SET status = 'withdrawn', updated_at = ") +
                       database_now_ms + " WHERE id = :id AND status = 'waiting'",
                   soci::use(id)) > 0;
  });
}

result<std::optional<session_request_state>> read_session_request(database& db, std::int64_t id) {
  const auto what = "read session request " + std::to_string(id);
  if (auto refused = require_cluster_database(db, what); !refused) return refused.failure();
  return guarded("cannot " + what, [&]() -> result<std::optional<session_request_state>> {
    std::string status;
    int held = 0;
    session_request_end end;
    const bool found = query_first_row(
        db.session(),
        std::string("SELECT r.status, CASE WHEN EXISTS (SELECT 1 FROM pod_leases l WHERE l.pod = r.pod"
                    " AND l.node = r.node AND l.epoch = r.epoch AND l.expires_at > ") +
            database_now_ms +
            ") THEN 1 ELSE 0 END, COALESCE(r.session_id, ''), COALESCE(r.outcome, ''),"
            " COALESCE(r.refusal, ''), COALESCE(r.error, '')"
            " FROM cluster_session_requests r WHERE r.id = :id",
        soci::into(status), soci::into(held), soci::into(end.session_id), soci::into(end.outcome),
        soci::into(end.refusal), soci::into(end.error), soci::use(id));
    if (!found) return std::optional<session_request_state>{};
    auto named = status_named(status);
    if (!named) return named.failure();
    session_request_state state{*named, held != 0, std::nullopt};
    if (state.status == session_request_status::done) state.end = end;
    return std::optional<session_request_state>{state};
  });
}

}  // namespace troupe::store
