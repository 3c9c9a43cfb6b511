#include "runtime/store/content_decisions.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <stdexcept>
#include <utility>

#include "runtime/store/enum_names.hpp"
#include "runtime/store/optional_column.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

constexpr std::pair<decision_type, const char*> decision_type_names[] = {
    {decision_type::single, "single"},
    {decision_type::thread, "thread"},
    {decision_type::reply, "reply"},
};

constexpr std::pair<decision_status, const char*> decision_status_names[] = {
    {decision_status::planned, "planned"},
    {decision_status::scheduled, "scheduled"},
    {decision_status::posting_attempt, "posting_attempt"},
    {decision_status::queued, "queued"},
    {decision_status::awaiting_approval, "awaiting_approval"},
    {decision_status::posting, "posting"},
    {decision_status::posted, "posted"},
    {decision_status::skipped, "skipped"},
    {decision_status::failed, "failed"},
    {decision_status::unconfirmed, "unconfirmed"},
};

constexpr std::pair<generation_source, const char*> generation_source_names[] = {
    {generation_source::synthetic, "synthetic"},
    {generation_source::real, "real"},
};

// The vector as a JSON array; nine significant digits read back as the
// same float.
std::string stored_embedding(const std::vector<float>& embedding) {
  std::string text = "[";
  char number[32];
  for (std::size_t i = 0; i < embedding.size(); ++i) {
    std::snprintf(number, sizeof number, "%.9g", static_cast<double>(embedding[i]));
    if (i > 0) text += ',';
    text += number;
  }
  return text + "]";
}

// Throws when `text` is not a JSON array of numbers.
std::vector<float> embedding_of(const std::string& decision_id, const std::string& text) {
  boost::json::error_code problem;
  const auto parsed = boost::json::parse(text, problem);
  if (problem || !parsed.is_array()) {
    throw std::runtime_error("the embedding of decision " + decision_id + " is not a JSON array");
  }
  std::vector<float> embedding;
  for (const auto& element : parsed.as_array()) {
    if (!element.is_number()) {
      throw std::runtime_error("the embedding of decision " + decision_id +
                               " holds something other than numbers");
    }
    embedding.push_back(static_cast<float>(element.to_number<double>()));
  }
  return embedding;
}

// Every column of a decision, in the order bind_decision_columns fetches them.
constexpr const char* decision_columns =
    "decision_id, decision_type, account_id, content, bandit_arm, timing_arm, propensity,"
    " quality_score, predicted_er, generation_source, status, scheduled_at, topic_cluster, angle,"
    " content_hash, features, skip_reason, error_message, pipeline_source, target_post_id,"
    " target_author_id, embedding, embedding_model, aol_action_id, created_at, updated_at,"
    " post_attempt_started_at, claimed_at, runtime_preflight_status";

struct decision_row {
  content_decision fetched;
  std::string type;
  std::string source;
  std::string status;
  std::optional<std::string> embedding;

  // Throws on a name that is not one of the table's, or a broken embedding.
  content_decision read() const {
    content_decision decision = fetched;
    const auto known_type = parse_decision_type(type);
    const auto known_source = parse_generation_source(source);
    const auto known_status = parse_decision_status(status);
    if (!known_type || !known_source || !known_status) {
      throw std::runtime_error("decision " + fetched.decision_id + " has an unknown type '" + type +
                               "', source '" + source + "' or status '" + status + "'");
    }
    decision.type = *known_type;
    decision.source = *known_source;
    decision.status = *known_status;
    if (embedding) decision.embedding = embedding_of(fetched.decision_id, *embedding);
    return decision;
  }
};

void bind_decision_columns(soci::statement& statement, decision_row& row) {
  auto& fetched = row.fetched;
  statement.exchange(soci::into(fetched.decision_id));
  statement.exchange(soci::into(row.type));
  statement.exchange(soci::into(fetched.account_id));
  statement.exchange(soci::into(fetched.content));
  statement.exchange(soci::into(fetched.bandit_arm));
  statement.exchange(soci::into(fetched.timing_arm));
  statement.exchange(soci::into(fetched.propensity));
  statement.exchange(soci::into(fetched.quality_score));
  statement.exchange(soci::into(fetched.predicted_er));
  statement.exchange(soci::into(row.source));
  statement.exchange(soci::into(row.status));
  statement.exchange(soci::into(fetched.scheduled_at_ms));
  statement.exchange(soci::into(fetched.topic_cluster));
  statement.exchange(soci::into(fetched.angle));
  statement.exchange(soci::into(fetched.content_hash));
  statement.exchange(soci::into(fetched.features_json));
  statement.exchange(soci::into(fetched.skip_reason));
  statement.exchange(soci::into(fetched.error_message));
  statement.exchange(soci::into(fetched.pipeline_source));
  statement.exchange(soci::into(fetched.target_post_id));
  statement.exchange(soci::into(fetched.target_author_id));
  statement.exchange(soci::into(row.embedding));
  statement.exchange(soci::into(fetched.embedding_model));
  statement.exchange(soci::into(fetched.aol_action_id));
  statement.exchange(soci::into(fetched.created_at_ms));
  statement.exchange(soci::into(fetched.updated_at_ms));
  statement.exchange(soci::into(fetched.post_attempt_started_at_ms));
  statement.exchange(soci::into(fetched.claimed_at_ms));
  statement.exchange(soci::into(fetched.runtime_preflight_status));
}

// The decisions of a SELECT of every column followed by `rest`, whose
// placeholders `bind` binds.
template <class Bind>
std::vector<content_decision> select_decisions_where(database& db, const std::string& rest, Bind&& bind) {
  decision_row row;
  const std::string text =
      std::string("SELECT ") + decision_columns + " FROM content_metadata" + rest;
  auto select = prepare_statement(db.session(), text, [&](soci::statement& s) {
    bind_decision_columns(s, row);
    bind(s);
  });
  std::vector<content_decision> decisions;
  select.execute();
  while (select.fetch()) decisions.push_back(row.read());
  return decisions;
}

std::optional<content_decision> first_of(std::vector<content_decision> found) {
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

std::optional<content_decision> select_by_id(database& db, const std::string& decision_id) {
  return first_of(select_decisions_where(db, " WHERE decision_id = :decision_id",
                               [&](soci::statement& s) { s.exchange(soci::use(decision_id)); }));
}

status check_new_decision(const content_decision& decision) {
  if (decision.decision_id.empty()) return error{"a decision needs an id"};
  const std::string named = "decision " + decision.decision_id;
  if (decision.account_id.empty()) return error{named + " needs an account"};
  if (decision.status != decision_status::queued &&
      decision.status != decision_status::awaiting_approval &&
      decision.status != decision_status::skipped && decision.status != decision_status::planned) {
    return error{named + " cannot start " + to_string(decision.status) +
                 ": a new decision is planned, queued, awaiting_approval or skipped"};
  }
  if (decision.status == decision_status::skipped &&
      (!decision.skip_reason || decision.skip_reason->empty())) {
    return error{named + " is skipped without a skip_reason"};
  }
  boost::json::error_code problem;
  const auto features = boost::json::parse(decision.features_json, problem);
  if (problem || !features.is_object()) {
    return error{"the features of " + named + " are not a JSON object"};
  }
  for (float value : decision.embedding) {
    if (!std::isfinite(value)) return error{"the embedding of " + named + " is not finite"};
  }
  if (decision.embedding.empty() != decision.embedding_model.empty()) {
    return error{named + " needs an embedding and its model together, or neither"};
  }
  return {};
}

// Inserts the decision unless its id is taken; returns whether it did.
bool insert_unless_taken(database& db, const content_decision& decision, std::int64_t now_ms) {
  const std::string type = to_string(decision.type);
  const std::string source = to_string(decision.source);
  const std::string status_name = to_string(decision.status);
  std::optional<std::string> embedding;
  if (!decision.embedding.empty()) embedding = stored_embedding(decision.embedding);
  auto insert = prepare_statement(
      db.session(),
      "INSERT INTO content_metadata (decision_id, decision_type, account_id, content, bandit_arm,"
      " timing_arm, propensity, quality_score, predicted_er, generation_source, status,"
      " scheduled_at, topic_cluster, angle, content_hash, features, skip_reason, error_message,"
      " pipeline_source, target_post_id, target_author_id, embedding, embedding_model,"
      " aol_action_id, created_at, updated_at)"
      " VALUES (:decision_id, :decision_type, :account_id, :content, :bandit_arm, :timing_arm,"
      " :propensity, :quality_score, :predicted_er, :generation_source, :status, :scheduled_at,"
      " :topic_cluster, :angle, :content_hash, :features, :skip_reason, :error_message,"
      " :pipeline_source, :target_post_id, :target_author_id, :embedding, :embedding_model,"
      " :aol_action_id, :created_at, :updated_at)"
      " ON CONFLICT (decision_id) DO NOTHING",
      [&](soci::statement& s) {
        s.exchange(soci::use(decision.decision_id));
        s.exchange(soci::use(type));
        s.exchange(soci::use(decision.account_id));
        s.exchange(soci::use(decision.content));
        s.exchange(soci::use(decision.bandit_arm));
        s.exchange(soci::use(decision.timing_arm));
        s.exchange(soci::use(decision.propensity));
        s.exchange(soci::use(decision.quality_score));
        s.exchange(soci::use(decision.predicted_er));
        s.exchange(soci::use(source));
        s.exchange(soci::use(status_name));
        s.exchange(soci::use(decision.scheduled_at_ms));
        s.exchange(soci::use(decision.topic_cluster));
        s.exchange(soci::use(decision.angle));
        s.exchange(soci::use(decision.content_hash));
        s.exchange(soci::use(decision.features_json));
        s.exchange(soci::use(decision.skip_reason));
        s.exchange(soci::use(decision.error_message));
        s.exchange(soci::use(decision.pipeline_source));
        s.exchange(soci::use(decision.target_post_id));
        s.exchange(soci::use(decision.target_author_id));
        s.exchange(soci::use(embedding));
        s.exchange(soci::use(decision.embedding_model));
        s.exchange(soci::use(decision.aol_action_id));
        s.exchange(soci::use(now_ms));
        s.exchange(soci::use(now_ms));
      });
  insert.execute(true);
  return insert.get_affected_rows() > 0;
}

// The stored names of the statuses from which `to` may be reached, as an SQL list.
std::string sources_of(decision_status to) {
  std::string list;
  for (const auto& [from, name] : decision_status_names) {
    if (!decision_transition_allowed(from, to)) continue;
    list += (list.empty() ? "'" : ", '") + std::string(name) + "'";
  }
  return list;
}

// Where `from` may go, in words.
std::string moves_from(decision_status from) {
  std::string targets;
  for (const auto& [to, name] : decision_status_names) {
    if (decision_transition_allowed(from, to))
      targets += (targets.empty() ? "" : " or ") + std::string(name);
  }
  if (targets.empty()) return std::string("a ") + to_string(from) + " decision is final";
  return std::string("from ") + to_string(from) + " it can become " + targets;
}

// The column a reason for `to` goes in, or nullptr when `to` takes none.
const char* reason_column(decision_status to) {
  if (to == decision_status::skipped) return "skip_reason";
  if (to == decision_status::failed || to == decision_status::unconfirmed) return "error_message";
  return nullptr;
}

status check_reason(const std::string& decision_id, decision_status to,
                    const std::optional<std::string>& reason) {
  const bool required = to == decision_status::skipped || to == decision_status::failed;
  const bool given = reason && !reason->empty();
  if (required && !given) {
    return error{"decision " + decision_id + " cannot become " + to_string(to) +
                 " without a reason"};
  }
  if (given && reason_column(to) == nullptr) {
    return error{"decision " + decision_id +
                 ": a reason goes only with skipped, failed or unconfirmed, not " + to_string(to)};
  }
  return {};
}

// Updates the status if the current one allows it; returns whether it did.
bool move_if_allowed(database& db, const std::string& decision_id, decision_status to,
                     const std::optional<std::string>& reason, std::int64_t now_ms) {
  const auto sources = sources_of(to);
  if (sources.empty()) return false;
  const char* column = reason_column(to);
  const bool with_reason = column != nullptr && reason && !reason->empty();
  const std::string to_name = to_string(to);
  const std::string text =
      "UPDATE content_metadata SET status = :status, updated_at = :updated_at,"
      " post_attempt_started_at = NULL" +
      (with_reason ? std::string(", ") + column + " = :reason" : "") +
      " WHERE decision_id = :decision_id AND status IN (" + sources + ")";
  auto update = prepare_statement(db.session(), text, [&](soci::statement& s) {
    s.exchange(soci::use(to_name));
    s.exchange(soci::use(now_ms));
    if (with_reason) s.exchange(soci::use(*reason));
    s.exchange(soci::use(decision_id));
  });
  update.execute(true);
  return update.get_affected_rows() > 0;
}

// The WHERE clause of `filter` and the texts it binds, in order.
struct where_clause {
  std::string text = " WHERE 1 = 1";
  std::vector<std::string> texts;

  explicit where_clause(const decision_filter& filter) {
    if (filter.status) add(" AND status = :status", to_string(*filter.status));
    if (filter.type) add(" AND decision_type = :decision_type", to_string(*filter.type));
    if (filter.pipeline_source)
      add(" AND pipeline_source = :pipeline_source", *filter.pipeline_source);
    if (filter.account_id) add(" AND account_id = :account_id", *filter.account_id);
  }

  void add(const char* condition, std::string value) {
    text += condition;
    texts.push_back(std::move(value));
  }

  void bind(soci::statement& s) {
    for (auto& value : texts) s.exchange(soci::use(value));
  }
};

}  // namespace

const char* to_string(decision_type type) { return name_of(decision_type_names, type); }
const char* to_string(decision_status status) { return name_of(decision_status_names, status); }
const char* to_string(generation_source source) { return name_of(generation_source_names, source); }

std::optional<decision_type> parse_decision_type(std::string_view name) {
  return value_of(decision_type_names, name);
}
std::optional<decision_status> parse_decision_status(std::string_view name) {
  return value_of(decision_status_names, name);
}
std::optional<generation_source> parse_generation_source(std::string_view name) {
  return value_of(generation_source_names, name);
}

std::vector<decision_type> every_decision_type() {
  std::vector<decision_type> types;
  for (const auto& [value, name] : decision_type_names) types.push_back(value);
  return types;
}

std::vector<decision_status> every_decision_status() {
  std::vector<decision_status> statuses;
  for (const auto& [value, name] : decision_status_names) statuses.push_back(value);
  return statuses;
}

bool decision_transition_allowed(decision_status from, decision_status to) {
  using s = decision_status;
  switch (from) {
    case s::planned:
      return to == s::scheduled || to == s::skipped;
    case s::scheduled:
      return to == s::posting_attempt || to == s::skipped;
    case s::posting_attempt:
      return to == s::queued || to == s::awaiting_approval || to == s::skipped;
    case s::awaiting_approval:
      return to == s::queued || to == s::skipped;
    case s::queued:
      return to == s::posting || to == s::skipped;
    case s::posting:
      return to == s::posted || to == s::failed || to == s::unconfirmed;
    case s::unconfirmed:
      return to == s::posted || to == s::failed || to == s::posting;
    case s::posted:
    case s::skipped:
    case s::failed:
      return false;
  }
  return false;
}

status insert_decision(database& db, const content_decision& decision, std::int64_t now_ms) {
  if (auto valid = check_new_decision(decision); !valid) return valid;
  return guarded("cannot store decision " + decision.decision_id, [&]() -> status {
    if (!insert_unless_taken(db, decision, now_ms)) {
      return error{"decision " + decision.decision_id + " is stored already"};
    }
    return {};
  });
}

result<std::optional<content_decision>> load_decision(database& db,
                                                      const std::string& decision_id) {
  return guarded("cannot load decision " + decision_id,
                 [&] { return select_by_id(db, decision_id); });
}

status set_decision_status(database& db, const std::string& decision_id, decision_status to,
                           const std::optional<std::string>& reason, std::int64_t now_ms) {
  if (auto valid = check_reason(decision_id, to, reason); !valid) return valid;
  return guarded("cannot change the status of decision " + decision_id, [&]() -> status {
    if (move_if_allowed(db, decision_id, to, reason, now_ms)) return {};
    const auto current = select_by_id(db, decision_id);
    if (!current) return error{"no decision " + decision_id};
    return error{"decision " + decision_id + " is " + to_string(current->status) +
                 " and cannot become " + to_string(to) + ": " + moves_from(current->status)};
  });
}

result<bool> attach_action(database& db, const std::string& decision_id,
                           std::int64_t aol_action_id) {
  const std::string what =
      "cannot link action " + std::to_string(aol_action_id) + " to decision " + decision_id;
  return guarded(what, [&]() -> result<bool> {
    std::string holder;
    const bool held = query_first_row(db.session(),
                                      "SELECT decision_id FROM content_metadata"
                                      " WHERE aol_action_id = :aol_action_id",
                                      soci::into(holder), soci::use(aol_action_id));
    if (held && holder != decision_id) {
      return error{what + ": it is linked to decision " + holder};
    }
    return execute(db.session(),
                   "UPDATE content_metadata SET aol_action_id = :aol_action_id"
                   " WHERE decision_id = :decision_id",
                   soci::use(aol_action_id), soci::use(decision_id)) > 0;
  });
}

result<std::optional<content_decision>> find_decision_by_action(database& db,
                                                                std::int64_t aol_action_id) {
  return guarded("cannot find the decision of action " + std::to_string(aol_action_id), [&] {
    return first_of(
        select_decisions_where(db, " WHERE aol_action_id = :aol_action_id",
                     [&](soci::statement& s) { s.exchange(soci::use(aol_action_id)); }));
  });
}

result<std::vector<recent_content>> recent_account_content(database& db,
                                                           const std::string& account_id,
                                                           std::int64_t since_ms) {
  return guarded("cannot read the recent content of account " + account_id, [&] {
    std::vector<recent_content> found;
    recent_content row;
    std::optional<std::string> embedding;
    auto select =
        prepare(db.session(),
                "SELECT decision_id, embedding, embedding_model, topic_cluster, angle,"
                " created_at FROM content_metadata WHERE account_id = :account_id"
                " AND created_at >= :since AND status <> 'skipped'"
                " ORDER BY created_at DESC, decision_id DESC",
                soci::into(row.decision_id), soci::into(embedding), soci::into(row.embedding_model),
                soci::into(row.topic_cluster), soci::into(row.angle), soci::into(row.created_at_ms),
                soci::use(account_id), soci::use(since_ms));
    select.execute();
    while (select.fetch()) {
      recent_content content = row;
      if (embedding) content.embedding = embedding_of(row.decision_id, *embedding);
      found.push_back(std::move(content));
    }
    return found;
  });
}

result<decision_listing> list_decisions(database& db, const decision_filter& filter,
                                        const decision_page& page) {
  if (page.limit < 1 || page.limit > max_decision_page) {
    return error{"a decision page holds 1 to " + std::to_string(max_decision_page) +
                 " decisions, not " + std::to_string(page.limit)};
  }
  if (page.offset < 0) return error{"a decision page cannot start at a negative offset"};
  return guarded("cannot list decisions", [&] {
    where_clause where(filter);
    decision_listing listing;
    auto count =
        prepare_statement(db.session(), "SELECT COUNT(*) FROM content_metadata" + where.text,
                          [&](soci::statement& s) {
                            s.exchange(soci::into(listing.total));
                            where.bind(s);
                          });
    count.execute(true);
    int limit = page.limit;
    std::int64_t offset = page.offset;
    listing.decisions = select_decisions_where(
        db, where.text + " ORDER BY created_at DESC, decision_id DESC LIMIT :limit OFFSET :offset",
        [&](soci::statement& s) {
          where.bind(s);
          s.exchange(soci::use(limit));
          s.exchange(soci::use(offset));
        });
    return listing;
  });
}

result<std::map<decision_status, std::int64_t>> count_decisions_by_status(database& db) {
  return guarded("cannot count decisions", [&] {
    std::map<decision_status, std::int64_t> counts;
    for (const auto& [value, name] : decision_status_names) counts[value] = 0;
    std::string name;
    std::int64_t count = 0;
    auto select =
        prepare(db.session(), "SELECT status, COUNT(*) FROM content_metadata GROUP BY status",
                soci::into(name), soci::into(count));
    select.execute();
    while (select.fetch()) {
      // Statuses the CHECK constraint lets through are all known.
      if (auto known = parse_decision_status(name)) counts[*known] = count;
    }
    return counts;
  });
}

result<std::vector<content_decision>> due_queued_decisions(database& db, std::int64_t now_ms,
                                                           int limit,
                                                           std::optional<generation_source> source) {
  if (limit < 1) return error{"a batch of due decisions holds at least 1"};
  return guarded("cannot read the due queued decisions", [&] {
    const std::string source_name = source ? to_string(*source) : "";
    const std::string of_source = source ? " AND generation_source = :generation_source" : "";
    return select_decisions_where(db,
                        " WHERE status = 'queued'" + of_source +
                            " AND (scheduled_at IS NULL OR scheduled_at <= :now_ms)"
                            " ORDER BY COALESCE(scheduled_at, created_at), created_at, decision_id"
                            " LIMIT :limit",
                        [&](soci::statement& s) {
                          if (source) s.exchange(soci::use(source_name));
                          s.exchange(soci::use(now_ms));
                          s.exchange(soci::use(limit));
                        });
  });
}

result<bool> schedule_decision(database& db, const std::string& decision_id, std::int64_t at_ms,
                               const std::string& pipeline_source, std::int64_t now_ms) {
  return guarded("cannot schedule decision " + decision_id, [&] {
    auto update = prepare(db.session(),
                          "UPDATE content_metadata SET status = 'scheduled', scheduled_at = :at,"
                          " pipeline_source = :source, updated_at = :now"
                          " WHERE decision_id = :decision_id AND status = 'planned'",
                          soci::use(at_ms), soci::use(pipeline_source), soci::use(now_ms), soci::use(decision_id));
    update.execute(true);
    return update.get_affected_rows() > 0;
  });
}

namespace {

// The condition a reply decision meets while the executor may claim it.
constexpr const char* claimable =
    "((status = 'scheduled' AND scheduled_at <= :now_ms)"
    " OR (status = 'posting_attempt' AND claimed_at < :stale_before_ms))";

bool claim_one(database& db, const std::string& decision_id, std::int64_t now_ms, std::int64_t stale_before_ms) {
  auto update = prepare(db.session(),
                        std::string("UPDATE content_metadata SET status = 'posting_attempt', claimed_at = :claimed_at,"
                                    " updated_at = :updated_at WHERE decision_id = :decision_id AND ") +
                            claimable,
                        soci::use(now_ms), soci::use(now_ms), soci::use(decision_id), soci::use(now_ms),
                        soci::use(stale_before_ms));
  update.execute(true);
  return update.get_affected_rows() > 0;
}

}  // namespace

result<std::vector<content_decision>> claim_scheduled_replies(database& db, std::int64_t now_ms, int limit,
                                                              std::int64_t stale_before_ms) {
  if (limit < 1) return error{"a claim takes at least 1 decision"};
  return guarded("cannot claim scheduled replies", [&] {
    const auto candidates = select_decisions_where(
        db, std::string(" WHERE ") + claimable + " ORDER BY scheduled_at, created_at, decision_id LIMIT :limit",
        [&](soci::statement& s) {
          s.exchange(soci::use(now_ms));
          s.exchange(soci::use(stale_before_ms));
          s.exchange(soci::use(limit));
        });
    std::vector<content_decision> claimed;
    for (const auto& candidate : candidates) {
      if (!claim_one(db, candidate.decision_id, now_ms, stale_before_ms)) continue;
      if (auto fresh = select_by_id(db, candidate.decision_id)) claimed.push_back(std::move(*fresh));
    }
    return claimed;
  });
}

result<bool> record_preflight(database& db, const std::string& decision_id, const std::string& preflight_status,
                              std::int64_t now_ms) {
  static const char* const answers[] = {"ok", "deleted", "timeout", "error"};
  if (std::find(std::begin(answers), std::end(answers), preflight_status) == std::end(answers)) {
    return error{"a preflight answers ok, deleted, timeout or error, not '" + preflight_status + "'"};
  }
  return guarded("cannot record the preflight of decision " + decision_id, [&]() -> bool {
    const auto current = select_by_id(db, decision_id);
    if (!current || current->status != decision_status::posting_attempt) return false;
    boost::json::error_code problem;
    auto features = boost::json::parse(current->features_json, problem);
    if (problem || !features.is_object()) features = boost::json::object{};
    features.as_object()["runtime_preflight_status"] = preflight_status;
    const auto features_json = boost::json::serialize(features);
    auto update = prepare(db.session(),
                          "UPDATE content_metadata SET runtime_preflight_status = :preflight, features = :features,"
                          " updated_at = :now WHERE decision_id = :decision_id AND status = 'posting_attempt'",
                          soci::use(preflight_status), soci::use(features_json), soci::use(now_ms),
                          soci::use(decision_id));
    update.execute(true);
    return update.get_affected_rows() > 0;
  });
}

}  // namespace troupe::store
