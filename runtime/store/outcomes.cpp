#include "runtime/store/outcomes.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <boost/json.hpp>

#include "runtime/store/optional_column.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

constexpr const char* outcome_columns =
    "decision_id, post_id, horizon, collected_at, impressions, likes, retweets, replies, bookmarks, quotes,"
    " er_calculated, simulated";

struct outcome_fields {
  outcome row;
  int simulated = 0;
  std::optional<double> er;
};

template <class Statement>
void exchange_into(Statement& statement, outcome_fields& fields) {
  auto& row = fields.row;
  statement.exchange(soci::into(row.decision_id));
  statement.exchange(soci::into(row.post_id));
  statement.exchange(soci::into(row.horizon));
  statement.exchange(soci::into(row.collected_at_ms));
  statement.exchange(soci::into(row.impressions));
  statement.exchange(soci::into(row.likes));
  statement.exchange(soci::into(row.retweets));
  statement.exchange(soci::into(row.replies));
  statement.exchange(soci::into(row.bookmarks));
  statement.exchange(soci::into(row.quotes));
  statement.exchange(soci::into(fields.er));
  statement.exchange(soci::into(fields.simulated));
}

outcome finished(const outcome_fields& fields) {
  outcome row = fields.row;
  row.er_calculated = fields.er.value_or(0.0);
  row.simulated = fields.simulated != 0;
  return row;
}

// Whether the decision's features hold a reward.
bool has_reward(const std::string& features) {
  boost::json::error_code problem;
  const auto parsed = boost::json::parse(features, problem);
  return !problem && parsed.is_object() && parsed.as_object().contains("reward");
}

// The features with `reward` set; features that are not an object (a
// hand-edited row) start over.
std::string features_with_reward(const std::string& features, double reward) {
  boost::json::error_code problem;
  auto parsed = boost::json::parse(features, problem);
  boost::json::object object;
  if (!problem && parsed.is_object()) object = std::move(parsed.as_object());
  object["reward"] = reward;
  return boost::json::serialize(object);
}

// The due collections of one horizon: posted at or before `posted_by_ms`
// without an outcome named `horizon`.
void add_due(soci::session& sql, const std::string& horizon, std::int64_t posted_by_ms, int limit,
             std::vector<collection_due>& due) {
  collection_due row;
  row.horizon = horizon;
  auto select = prepare(sql,
                        "SELECT p.decision_id, c.account_id, p.platform_post_id, p.posted_at_ms"
                        " FROM posted_decisions p JOIN content_metadata c ON c.decision_id = p.decision_id"
                        " WHERE p.posted_at_ms <= :posted_by AND NOT EXISTS (SELECT 1 FROM outcomes o"
                        " WHERE o.decision_id = p.decision_id AND o.horizon = :horizon)"
                        " ORDER BY p.posted_at_ms, p.id LIMIT :limit",
                        soci::into(row.decision_id), soci::into(row.account_id), soci::into(row.post_id),
                        soci::into(row.posted_at_ms), soci::use(posted_by_ms), soci::use(horizon),
                        soci::use(limit));
  select.execute();
  while (select.fetch()) due.push_back(row);
}

}  // namespace

result<bool> insert_outcome(database& db, const outcome& row) {
  if (row.post_id.empty() || row.horizon.empty()) {
    return error{"the outcome of decision " + row.decision_id + " needs a post id and a horizon"};
  }
  return guarded("cannot store the outcome of decision " + row.decision_id, [&]() -> result<bool> {
    auto& sql = db.session();
    std::string known;
    if (!query_first_row(sql, "SELECT decision_id FROM content_metadata WHERE decision_id = :decision_id",
                         soci::into(known), soci::use(row.decision_id))) {
      return error{"no decision " + row.decision_id};
    }
    const int simulated = row.simulated ? 1 : 0;
    // The unique (decision_id, horizon) index makes a second collection of
    // one horizon a no-op, also when two collectors race.
    const auto inserted = execute(sql,
                                  std::string("INSERT INTO outcomes (") + outcome_columns +
                                      ") VALUES (:decision_id, :post_id, :horizon, :collected_at, :impressions,"
                                      " :likes, :retweets, :replies, :bookmarks, :quotes, :er, :simulated)"
                                      " ON CONFLICT (decision_id, horizon) DO NOTHING",
                                  soci::use(row.decision_id), soci::use(row.post_id), soci::use(row.horizon),
                                  soci::use(row.collected_at_ms), soci::use(row.impressions), soci::use(row.likes),
                                  soci::use(row.retweets), soci::use(row.replies), soci::use(row.bookmarks),
                                  soci::use(row.quotes), soci::use(row.er_calculated), soci::use(simulated));
    return inserted > 0;
  });
}

result<std::vector<outcome>> outcomes_of(database& db, const std::string& decision_id) {
  return guarded("cannot read the outcomes of decision " + decision_id, [&] {
    std::vector<outcome> rows;
    outcome_fields fields;
    auto select = prepare_statement(db.session(),
                                    std::string("SELECT ") + outcome_columns +
                                        " FROM outcomes WHERE decision_id = :decision_id ORDER BY id",
                                    [&](soci::statement& s) {
                                      exchange_into(s, fields);
                                      s.exchange(soci::use(decision_id));
                                    });
    select.execute();
    while (select.fetch()) rows.push_back(finished(fields));
    return rows;
  });
}

result<std::vector<outcome>> latest_outcomes(database& db, int limit) {
  return guarded("cannot read the latest outcomes", [&] {
    std::vector<outcome> rows;
    outcome_fields fields;
    auto select = prepare_statement(db.session(),
                                    std::string("SELECT ") + outcome_columns +
                                        " FROM outcomes ORDER BY collected_at DESC, id DESC LIMIT :limit",
                                    [&](soci::statement& s) {
                                      exchange_into(s, fields);
                                      s.exchange(soci::use(limit));
                                    });
    select.execute();
    while (select.fetch()) rows.push_back(finished(fields));
    return rows;
  });
}

result<std::vector<collection_due>> collections_due(database& db, const std::vector<collection_horizon>& horizons,
                                                    std::int64_t now_ms, int limit) {
  return guarded("cannot read the posts due for collection", [&] {
    std::vector<collection_due> due;
    add_due(db.session(), first_horizon, now_ms, limit, due);
    for (const auto& horizon : horizons) add_due(db.session(), horizon.name, now_ms - horizon.after_ms, limit, due);
    std::stable_sort(due.begin(), due.end(), [](const collection_due& a, const collection_due& b) {
      return a.posted_at_ms < b.posted_at_ms;
    });
    if (due.size() > static_cast<std::size_t>(std::max(0, limit))) due.resize(static_cast<std::size_t>(limit));
    return due;
  });
}

result<std::vector<learning_record>> learning_records(database& db, bool real_only) {
  return guarded("cannot read the outcomes to learn from", [&] {
    const std::string only_real = real_only ? " AND o2.simulated = 0" : "";
    std::vector<learning_record> records;
    learning_record row;
    std::optional<double> er;
    int simulated = 0;
    auto select = prepare(db.session(),
                          "SELECT c.decision_id, c.decision_type, c.pipeline_source, c.account_id, c.bandit_arm,"
                          " c.timing_arm, c.content, c.features, o.er_calculated, o.simulated"
                          " FROM outcomes o JOIN content_metadata c ON c.decision_id = o.decision_id"
                          " WHERE o.id = (SELECT MAX(o2.id) FROM outcomes o2 WHERE o2.decision_id = o.decision_id" +
                              only_real + ") ORDER BY c.created_at, c.decision_id",
                          soci::into(row.decision_id), soci::into(row.decision_type),
                          soci::into(row.pipeline_source), soci::into(row.account_id), soci::into(row.bandit_arm),
                          soci::into(row.timing_arm), soci::into(row.content), soci::into(row.features_json),
                          soci::into(er), soci::into(simulated));
    select.execute();
    while (select.fetch()) {
      row.er = er.value_or(0.0);
      row.simulated = simulated != 0;
      row.rewarded = has_reward(row.features_json);
      records.push_back(row);
    }
    return records;
  });
}

result<bool> record_reward(database& db, const std::string& decision_id, const std::string& arm, double reward,
                           std::int64_t now_ms) {
  return guarded("cannot record the reward of decision " + decision_id, [&]() -> result<bool> {
    auto& sql = db.session();
    soci::transaction transaction(sql);
    // Write first, read after (as record_post does): the no-op update takes
    // the row's lock before the features are read.
    execute(sql, "UPDATE content_metadata SET updated_at = updated_at WHERE decision_id = :decision_id",
            soci::use(decision_id));
    std::string features;
    if (!query_first_row(sql, "SELECT features FROM content_metadata WHERE decision_id = :decision_id",
                         soci::into(features), soci::use(decision_id))) {
      return error{"no decision " + decision_id};
    }
    if (has_reward(features)) return false;
    const auto updated = features_with_reward(features, reward);
    execute(sql, "UPDATE content_metadata SET features = :features WHERE decision_id = :decision_id",
            soci::use(updated), soci::use(decision_id));
    execute(sql,
            "INSERT INTO strategy_rewards (arm, reward, at_ms, decision_id)"
            " VALUES (:arm, :reward, :at_ms, :decision_id)",
            soci::use(arm), soci::use(reward), soci::use(now_ms), soci::use(decision_id));
    transaction.commit();
    return true;
  });
}

result<int> store_predictor(database& db, const predictor& model) {
  return guarded("cannot store predictor " + model.name, [&] {
    auto& sql = db.session();
    soci::transaction transaction(sql);
    execute(sql, "UPDATE predictors SET samples = samples WHERE name = :name", soci::use(model.name));
    std::optional<int> latest;
    execute(sql, "SELECT MAX(version) FROM predictors WHERE name = :name", soci::into(latest),
            soci::use(model.name));
    const int version = latest.value_or(0) + 1;
    execute(sql,
            "INSERT INTO predictors (name, version, weights, trained_at_ms, samples, holdout_samples, holdout_r2,"
            " holdout_log_loss) VALUES (:name, :version, :weights, :trained_at, :samples, :holdout_samples,"
            " :holdout_r2, :holdout_log_loss)",
            soci::use(model.name), soci::use(version), soci::use(model.weights_json),
            soci::use(model.trained_at_ms), soci::use(model.samples), soci::use(model.holdout_samples),
            soci::use(model.holdout_r2), soci::use(model.holdout_log_loss));
    transaction.commit();
    return version;
  });
}

result<std::vector<predictor>> predictor_versions(database& db, const std::string& name, int limit) {
  return guarded("cannot read predictor " + name, [&] {
    std::vector<predictor> models;
    predictor row;
    auto select = prepare(db.session(),
                          "SELECT name, version, weights, trained_at_ms, samples, holdout_samples, holdout_r2,"
                          " holdout_log_loss FROM predictors WHERE name = :name ORDER BY version DESC LIMIT :limit",
                          soci::into(row.name), soci::into(row.version), soci::into(row.weights_json),
                          soci::into(row.trained_at_ms), soci::into(row.samples), soci::into(row.holdout_samples),
                          soci::into(row.holdout_r2), soci::into(row.holdout_log_loss), soci::use(name),
                          soci::use(limit));
    select.execute();
    while (select.fetch()) models.push_back(row);
    return models;
  });
}

result<std::optional<predictor>> latest_predictor(database& db, const std::string& name) {
  auto versions = predictor_versions(db, name, 1);
  if (!versions) return versions.failure();
  if (versions->empty()) return std::optional<predictor>{};
  return std::optional<predictor>(versions->front());
}

result<publishing_totals> read_publishing_totals(database& db) {
  return guarded("cannot read the publishing totals", [&] {
    auto& sql = db.session();
    publishing_totals totals;
    execute(sql,
            "SELECT COUNT(*) FROM content_metadata WHERE status IN ('posting', 'unconfirmed', 'posted', 'failed')",
            soci::into(totals.posts_attempted));
    execute(sql, "SELECT COUNT(*) FROM posted_decisions", soci::into(totals.posts_posted));
    execute(sql, "SELECT COUNT(*) FROM outcomes WHERE simulated = 0", soci::into(totals.real_outcomes));
    execute(sql, "SELECT COUNT(*) FROM strategy_rewards", soci::into(totals.arm_updates));
    std::optional<int> version;
    const std::string name = content_predictor;
    execute(sql, "SELECT MAX(version) FROM predictors WHERE name = :name", soci::into(version), soci::use(name));
    totals.predictor_version = version;
    return totals;
  });
}

}  // namespace troupe::store
