#include "runtime/store/reply_opportunities.hpp"

#include <stdexcept>
#include <utility>

#include "runtime/store/enum_names.hpp"
#include "runtime/store/optional_column.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"
#include "runtime/time_units.hpp"

namespace troupe::store {
namespace {

constexpr std::pair<opportunity_status, const char*> opportunity_status_names[] = {
    {opportunity_status::open, "open"},
    {opportunity_status::taken, "taken"},
    {opportunity_status::skipped, "skipped"},
    {opportunity_status::expired, "expired"},
};

constexpr const char* opportunity_columns =
    "id, account_id, target_post_id, target_author_id, target_text, target_url, discovered_at,"
    " status, decision_id, taken_at, target_posted_at, author_followers, target_likes, target_replies,"
    " target_reposts, replied_to, preflight_status";

// A target's time in SQL: target_time_ms.
constexpr const char* target_time = "COALESCE(target_posted_at, discovered_at)";
using time_units::hour_ms;

// The opportunities of a SELECT of every column followed by `rest`, whose
// placeholders `bind` binds.
template <class Bind>
std::vector<reply_opportunity> select_opportunities_where(database& db, const std::string& rest, Bind&& bind) {
  reply_opportunity row;
  std::string status_name;
  int replied_to = 0;
  const std::string text =
      std::string("SELECT ") + opportunity_columns + " FROM reply_opportunities" + rest;
  auto select = prepare_statement(db.session(), text, [&](soci::statement& s) {
    s.exchange(soci::into(row.id));
    s.exchange(soci::into(row.account_id));
    s.exchange(soci::into(row.target_post_id));
    s.exchange(soci::into(row.target_author_id));
    s.exchange(soci::into(row.target_text));
    s.exchange(soci::into(row.target_url));
    s.exchange(soci::into(row.discovered_at_ms));
    s.exchange(soci::into(status_name));
    s.exchange(soci::into(row.decision_id));
    s.exchange(soci::into(row.taken_at_ms));
    s.exchange(soci::into(row.metrics.posted_at_ms));
    s.exchange(soci::into(row.metrics.author_followers));
    s.exchange(soci::into(row.metrics.likes));
    s.exchange(soci::into(row.metrics.replies));
    s.exchange(soci::into(row.metrics.reposts));
    s.exchange(soci::into(replied_to));
    s.exchange(soci::into(row.preflight_status));
    bind(s);
  });
  std::vector<reply_opportunity> found;
  select.execute();
  while (select.fetch()) {
    const auto known = parse_opportunity_status(status_name);
    if (!known) {
      throw std::runtime_error("reply opportunity " + std::to_string(row.id) +
                               " has an unknown status '" + status_name + "'");
    }
    row.status = *known;
    row.replied_to = replied_to != 0;
    found.push_back(row);
  }
  return found;
}

}  // namespace

std::int64_t target_time_ms(const reply_opportunity& opportunity) {
  return opportunity.metrics.posted_at_ms.value_or(opportunity.discovered_at_ms);
}

const char* to_string(opportunity_status status) {
  return name_of(opportunity_status_names, status);
}

std::optional<opportunity_status> parse_opportunity_status(std::string_view name) {
  return value_of(opportunity_status_names, name);
}

result<std::optional<std::int64_t>> insert_opportunity(database& db,
                                                       const new_reply_opportunity& found) {
  if (found.account_id.empty() || found.target_post_id.empty()) {
    return error{"a reply opportunity needs an account and a target post"};
  }
  return guarded(
      "cannot record the reply opportunity " + found.account_id + "/" + found.target_post_id, [&] {
        std::int64_t id = 0;
        const bool created = query_first_row(
            db.session(),
            "INSERT INTO reply_opportunities (account_id, target_post_id,"
            " target_author_id, target_text, target_url, discovered_at, status, target_posted_at,"
            " author_followers, target_likes, target_replies, target_reposts)"
            " VALUES (:account_id, :target_post_id, :target_author_id, :target_text,"
            " :target_url, :discovered_at, 'open', :posted_at, :followers, :likes, :replies, :reposts)"
            " ON CONFLICT (target_post_id) DO NOTHING RETURNING id",
            soci::into(id), soci::use(found.account_id), soci::use(found.target_post_id),
            soci::use(found.target_author_id), soci::use(found.target_text),
            soci::use(found.target_url), soci::use(found.discovered_at_ms),
            soci::use(found.metrics.posted_at_ms), soci::use(found.metrics.author_followers),
            soci::use(found.metrics.likes), soci::use(found.metrics.replies),
            soci::use(found.metrics.reposts));
        return created ? std::optional<std::int64_t>(id) : std::nullopt;
      });
}

result<bool> take_opportunity(database& db, std::int64_t id, const std::string& decision_id,
                              std::int64_t now_ms) {
  if (decision_id.empty()) return error{"a reply opportunity is taken by a decision id"};
  return guarded("cannot take reply opportunity " + std::to_string(id), [&] {
    return execute(db.session(),
                   "UPDATE reply_opportunities SET status = 'taken', decision_id = :decision_id,"
                   " taken_at = :taken_at WHERE id = :id AND status = 'open'",
                   soci::use(decision_id), soci::use(now_ms), soci::use(id)) > 0;
  });
}

result<std::optional<reply_opportunity>> load_opportunity(database& db, std::int64_t id) {
  return guarded("cannot load reply opportunity " + std::to_string(id), [&] {
    auto found =
        select_opportunities_where(db, " WHERE id = :id", [&](soci::statement& s) { s.exchange(soci::use(id)); });
    return found.empty() ? std::optional<reply_opportunity>{}
                         : std::optional<reply_opportunity>{std::move(found.front())};
  });
}

result<std::optional<reply_opportunity>> opportunity_of_decision(database& db, const std::string& decision_id) {
  return guarded("cannot load the reply opportunity of decision " + decision_id, [&] {
    auto found = select_opportunities_where(db, " WHERE decision_id = :decision_id",
                              [&](soci::statement& s) { s.exchange(soci::use(decision_id)); });
    return found.empty() ? std::optional<reply_opportunity>{}
                         : std::optional<reply_opportunity>{std::move(found.front())};
  });
}

result<std::vector<reply_opportunity>> fresh_opportunities(database& db, std::int64_t since_ms, int limit) {
  if (limit < 1) return error{"a list of reply opportunities holds at least 1"};
  return guarded("cannot list the fresh reply opportunities", [&] {
    return select_opportunities_where(db,
                        std::string(" WHERE status = 'open' AND replied_to = 0 AND ") + target_time +
                            " >= :since ORDER BY " + target_time + " DESC, id DESC LIMIT :limit",
                        [&](soci::statement& s) {
                          s.exchange(soci::use(since_ms));
                          s.exchange(soci::use(limit));
                        });
  });
}

result<std::int64_t> count_fresh_opportunities(database& db, const std::string& account_id, std::int64_t since_ms) {
  return guarded("cannot count the fresh reply opportunities of " + account_id, [&] {
    std::int64_t count = 0;
    query_first_row(db.session(),
                    std::string("SELECT COUNT(*) FROM reply_opportunities WHERE status = 'open' AND replied_to = 0"
                                " AND account_id = :account_id AND ") +
                        target_time + " >= :since",
                    soci::into(count), soci::use(account_id), soci::use(since_ms));
    return count;
  });
}

result<bool> mark_preflight_stop(database& db, const std::string& decision_id, const std::string& preflight_status) {
  return guarded("cannot mark the reply opportunity of decision " + decision_id, [&] {
    return execute(db.session(),
                   "UPDATE reply_opportunities SET status = 'skipped', preflight_status = :preflight"
                   " WHERE decision_id = :decision_id",
                   soci::use(preflight_status), soci::use(decision_id)) > 0;
  });
}

result<opportunity_summary> summarize_opportunities(database& db, std::int64_t now_ms) {
  return guarded("cannot summarize the reply opportunities", [&] {
    opportunity_summary summary;
    const std::int64_t since_24h = now_ms - 24 * hour_ms;
    const std::int64_t since_12h = now_ms - 12 * hour_ms;
    const std::string fresh = std::string("status = 'open' AND replied_to = 0 AND ") + target_time;
    query_first_row(db.session(),
                    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN " + fresh + " >= :since_24h THEN 1 ELSE 0 END), 0),"
                    " COALESCE(SUM(CASE WHEN " + fresh + " >= :since_12h THEN 1 ELSE 0 END), 0), MIN(" +
                        target_time + "), MAX(" + target_time + ") FROM reply_opportunities",
                    soci::into(summary.total), soci::into(summary.fresh_24h), soci::into(summary.fresh_12h),
                    soci::into(summary.oldest_ms), soci::into(summary.newest_ms), soci::use(since_24h),
                    soci::use(since_12h));
    return summary;
  });
}

}  // namespace troupe::store
