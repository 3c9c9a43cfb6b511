#include "runtime/store/posted_decisions.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <boost/json.hpp>

#include "runtime/store/optional_column.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

// The decision's features with tweet_id set; features that are not an
// object (never stored so, but a hand-edited row) start over.
std::string features_with_post_id(const std::string& features, const std::string& platform_post_id) {
  boost::json::error_code problem;
  auto parsed = boost::json::parse(features, problem);
  boost::json::object object;
  if (!problem && parsed.is_object()) object = std::move(parsed.as_object());
  object["tweet_id"] = platform_post_id;
  return boost::json::serialize(object);
}

struct posting_row {
  std::string status;
  std::string type;
  std::string account_id;
  std::string features;
};

void write_post(soci::session& sql, const std::string& decision_id, const posting_row& row,
                const std::string& platform_post_id, std::int64_t now_ms) {
  const auto features = features_with_post_id(row.features, platform_post_id);
  const auto moved = execute(sql,
                             "UPDATE content_metadata SET status = 'posted', updated_at = :now_ms,"
                             " post_attempt_started_at = NULL, features = :features"
                             " WHERE decision_id = :decision_id AND status IN ('posting', 'unconfirmed')",
                             soci::use(now_ms), soci::use(features), soci::use(decision_id));
  if (moved == 0) throw std::runtime_error("decision " + decision_id + " changed meanwhile");
  execute(sql,
          "INSERT INTO posted_decisions (decision_id, platform_post_id, posted_at_ms)"
          " VALUES (:decision_id, :platform_post_id, :posted_at_ms)",
          soci::use(decision_id), soci::use(platform_post_id), soci::use(now_ms));
  if (row.type == "reply") {
    execute(sql, "UPDATE reply_opportunities SET replied_to = 1 WHERE decision_id = :decision_id",
            soci::use(decision_id));
  }
  const std::string kind = row.type == "reply" ? reply_success_event : post_success_event;
  const std::string message = "posted decision " + decision_id + " of " + row.account_id + " as " + platform_post_id;
  const auto detail = boost::json::serialize(boost::json::object{
      {"decision_id", decision_id}, {"account_id", row.account_id}, {"platform_post_id", platform_post_id}});
  execute(sql,
          "INSERT INTO system_events (at_ms, level, kind, message, detail)"
          " VALUES (:at_ms, 'info', :kind, :message, :detail)",
          soci::use(now_ms), soci::use(kind), soci::use(message), soci::use(detail));
}

}  // namespace

result<bool> begin_post_attempt(database& db, const std::string& decision_id, std::int64_t now_ms) {
  return guarded("cannot mark the post attempt of decision " + decision_id, [&] {
    return execute(db.session(),
                   "UPDATE content_metadata SET post_attempt_started_at = :now_ms"
                   " WHERE decision_id = :decision_id AND status = 'posting'",
                   soci::use(now_ms), soci::use(decision_id)) > 0;
  });
}

status clear_post_attempt(database& db, const std::string& decision_id) {
  return guarded("cannot clear the post attempt of decision " + decision_id, [&] {
    execute(db.session(),
            "UPDATE content_metadata SET post_attempt_started_at = NULL WHERE decision_id = :decision_id",
            soci::use(decision_id));
  });
}

result<bool> record_post(database& db, const std::string& decision_id, const std::string& platform_post_id,
                         std::int64_t now_ms) {
  if (platform_post_id.empty()) return error{"the post of decision " + decision_id + " needs a platform id"};
  return guarded("cannot record the post of decision " + decision_id, [&]() -> result<bool> {
    auto& sql = db.session();
    soci::transaction transaction(sql);
    // Write first, read after: the no-op update takes the row's lock (on
    // SQLite the database's write lock, waiting out the busy timeout), so no
    // other writer can commit between the read and the writes below; a
    // SQLite read first would fail at its first write with "database is
    // locked" once another connection had written in between.
    execute(sql, "UPDATE content_metadata SET updated_at = updated_at WHERE decision_id = :decision_id",
            soci::use(decision_id));
    posting_row row;
    if (!query_first_row(sql,
                         "SELECT status, decision_type, account_id, features FROM content_metadata"
                         " WHERE decision_id = :decision_id",
                         soci::into(row.status), soci::into(row.type), soci::into(row.account_id),
                         soci::into(row.features), soci::use(decision_id))) {
      return error{"no decision " + decision_id};
    }
    if (row.status == "posted") return false;  // the transaction rolls back: nothing was written
    if (row.status != "posting" && row.status != "unconfirmed") {
      return error{"decision " + decision_id + " is " + row.status +
                   ": only a posting or unconfirmed decision can become posted"};
    }
    write_post(sql, decision_id, row, platform_post_id, now_ms);
    transaction.commit();
    return true;
  });
}

result<std::vector<post_time>> recent_post_times(database& db, std::int64_t since_ms, std::int64_t now_ms) {
  return guarded("cannot read the recent posts", [&] {
    std::vector<post_time> times;
    post_time row;
    auto posted = prepare(db.session(),
                          "SELECT c.account_id, p.posted_at_ms FROM posted_decisions p"
                          " JOIN content_metadata c ON c.decision_id = p.decision_id"
                          " WHERE p.posted_at_ms >= :since_ms",
                          soci::into(row.account_id), soci::into(row.at_ms), soci::use(since_ms));
    posted.execute();
    while (posted.fetch()) times.push_back(row);
    auto in_flight = prepare(db.session(),
                             "SELECT account_id FROM content_metadata WHERE status IN ('posting', 'unconfirmed')",
                             soci::into(row.account_id));
    in_flight.execute();
    while (in_flight.fetch()) times.push_back({row.account_id, now_ms});
    std::sort(times.begin(), times.end(), [](const post_time& a, const post_time& b) {
      return a.account_id != b.account_id ? a.account_id < b.account_id : a.at_ms < b.at_ms;
    });
    return times;
  });
}

result<std::optional<std::int64_t>> latest_post_at(database& db) {
  return guarded("cannot read the time of the latest post", [&] {
    std::optional<std::int64_t> latest;
    query_first_row(db.session(), "SELECT MAX(posted_at_ms) FROM posted_decisions", soci::into(latest));
    return latest;
  });
}

result<std::optional<std::string>> platform_post_id(database& db, const std::string& decision_id) {
  return guarded("cannot read the post of decision " + decision_id, [&] {
    std::string id;
    const bool found = query_first_row(db.session(),
                                       "SELECT platform_post_id FROM posted_decisions WHERE decision_id = :decision_id",
                                       soci::into(id), soci::use(decision_id));
    return found ? std::optional<std::string>(id) : std::nullopt;
  });
}

}  // namespace troupe::store
