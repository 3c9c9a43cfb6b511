#include "runtime/store/reply_pipeline_stats.hpp"

#include <boost/json.hpp>

#include "runtime/store/optional_column.hpp"
#include "runtime/store/posted_decisions.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

std::vector<decision_count> count_decisions(database& db) {
  std::vector<decision_count> counts;
  decision_count row;
  auto select = prepare(db.session(),
                        "SELECT pipeline_source, status, COUNT(*) FROM content_metadata"
                        " GROUP BY pipeline_source, status ORDER BY pipeline_source, status",
                        soci::into(row.pipeline_source), soci::into(row.status), soci::into(row.count));
  select.execute();
  while (select.fetch()) counts.push_back(row);
  return counts;
}

std::map<std::string, std::int64_t> count_preflights(database& db) {
  std::map<std::string, std::int64_t> counts;
  std::string answer;
  std::int64_t count = 0;
  auto select = prepare(db.session(),
                        "SELECT runtime_preflight_status, COUNT(*) FROM content_metadata"
                        " WHERE runtime_preflight_status IS NOT NULL GROUP BY runtime_preflight_status",
                        soci::into(answer), soci::into(count));
  select.execute();
  while (select.fetch()) counts[answer] = count;
  return counts;
}

std::vector<std::string> recent_preflights(database& db, int window) {
  std::vector<std::string> answers;
  std::string answer;
  auto select = prepare(db.session(),
                        "SELECT runtime_preflight_status FROM content_metadata WHERE runtime_preflight_status"
                        " IS NOT NULL ORDER BY claimed_at DESC, updated_at DESC LIMIT :window",
                        soci::into(answer), soci::use(window));
  select.execute();
  while (select.fetch()) answers.push_back(answer);
  return answers;
}

std::string text_of(const boost::json::object& detail, const char* name) {
  const auto* value = detail.if_contains(name);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::optional<reply_success> last_success(database& db) {
  reply_success found;
  std::string detail;
  const std::string kind = reply_success_event;
  if (!query_first_row(db.session(),
                       "SELECT at_ms, detail FROM system_events WHERE kind = :kind ORDER BY at_ms DESC, id DESC"
                       " LIMIT 1",
                       soci::into(found.at_ms), soci::into(detail), soci::use(kind))) {
    return std::nullopt;
  }
  boost::json::error_code problem;
  const auto parsed = boost::json::parse(detail, problem);
  if (!problem && parsed.is_object()) {
    found.decision_id = text_of(parsed.as_object(), "decision_id");
    found.platform_post_id = text_of(parsed.as_object(), "platform_post_id");
    found.account_id = text_of(parsed.as_object(), "account_id");
  }
  return found;
}

}  // namespace

result<reply_pipeline_stats> read_reply_pipeline_stats(database& db, std::int64_t now_ms, int window) {
  if (window < 1) return error{"the preflight window holds at least 1"};
  return guarded("cannot read the reply pipeline's numbers", [&] {
    reply_pipeline_stats stats;
    stats.decisions = count_decisions(db);
    stats.preflights = count_preflights(db);
    stats.recent_preflights = recent_preflights(db, window);
    query_first_row(db.session(), "SELECT MAX(claimed_at) FROM content_metadata", soci::into(stats.last_claim_ms));
    query_first_row(db.session(),
                    "SELECT COUNT(*) FROM content_metadata WHERE status = 'scheduled' AND scheduled_at <= :now",
                    soci::into(stats.due_scheduled), soci::use(now_ms));
    stats.last_reply_success = last_success(db);
    return stats;
  });
}

}  // namespace troupe::store
