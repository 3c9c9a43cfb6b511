#include "runtime/store/monitor_issues.hpp"

#include <fmt/format.h>

#include "runtime/store/optional_column.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

ops::severity severity_of(const std::string& text) {
  if (text == "critical") return ops::severity::critical;
  if (text == "info") return ops::severity::info;
  return ops::severity::warning;
}

void insert_issue(database& db, ops::monitor_issue& issue) {
  const std::string level = ops::to_string(issue.level);
  std::int64_t id = 0;
  query_first_row(db.session(),
                  "INSERT INTO monitor_issues (condition_id, severity, title, evidence, suggested_action,"
                  " first_seen_at, last_seen_at, resolved_at)"
                  " VALUES (:condition_id, :severity, :title, :evidence, :action, :first_seen, :last_seen, :resolved)"
                  " RETURNING id",
                  soci::use(issue.condition_id), soci::use(level), soci::use(issue.title), soci::use(issue.evidence),
                  soci::use(issue.suggested_action), soci::use(issue.first_seen_at_ms),
                  soci::use(issue.last_seen_at_ms), soci::use(issue.resolved_at_ms), soci::into(id));
  issue.id = id;
}

void update_issue(database& db, const ops::monitor_issue& issue) {
  const std::string level = ops::to_string(issue.level);
  execute(db.session(),
          "UPDATE monitor_issues SET severity = :severity, title = :title, evidence = :evidence,"
          " suggested_action = :action, last_seen_at = :last_seen, resolved_at = :resolved WHERE id = :id",
          soci::use(level), soci::use(issue.title), soci::use(issue.evidence), soci::use(issue.suggested_action),
          soci::use(issue.last_seen_at_ms), soci::use(issue.resolved_at_ms), soci::use(*issue.id));
}

void store_issue(database& db, ops::monitor_issue& issue) {
  if (issue.id) {
    update_issue(db, issue);
  } else {
    insert_issue(db, issue);
  }
}

void record_event(database& db, const ops::monitor_issue& issue, bool raised) {
  const std::int64_t at = raised ? issue.first_seen_at_ms : *issue.resolved_at_ms;
  const std::string level = raised ? ops::to_string(issue.level) : "info";
  const std::string kind = raised ? "monitor_issue_raised" : "monitor_issue_resolved";
  const std::string message = fmt::format("{} {}: {}", raised ? "raised" : "resolved", issue.condition_id, issue.title);
  execute(db.session(),
          "INSERT INTO system_events (at_ms, level, kind, message, detail)"
          " VALUES (:at_ms, :level, :kind, :message, :detail)",
          soci::use(at), soci::use(level), soci::use(kind), soci::use(message), soci::use(issue.evidence));
}

result<std::vector<ops::monitor_issue>> load_issues(database& db, const std::string& where,
                                                    std::int64_t bound, const std::string& what) {
  return guarded("cannot read the " + what + " monitor issues", [&] {
    std::vector<ops::monitor_issue> issues;
    ops::monitor_issue row;
    std::int64_t id = 0;
    std::string level;
    auto select = prepare(db.session(),
                          "SELECT id, condition_id, severity, title, evidence, suggested_action, first_seen_at,"
                          " last_seen_at, resolved_at FROM monitor_issues WHERE " + where,
                          soci::use(bound), soci::into(id), soci::into(row.condition_id), soci::into(level),
                          soci::into(row.title), soci::into(row.evidence), soci::into(row.suggested_action),
                          soci::into(row.first_seen_at_ms), soci::into(row.last_seen_at_ms),
                          soci::into(row.resolved_at_ms));
    select.execute();
    while (select.fetch()) {
      row.id = id;
      row.level = severity_of(level);
      issues.push_back(row);
    }
    return issues;
  });
}

}  // namespace

status save_monitor_run(database& db, std::vector<ops::monitor_issue>& raised, std::vector<ops::monitor_issue>& open,
                        std::vector<ops::monitor_issue>& resolved) {
  return guarded("cannot store the monitor's issues", [&] {
    soci::transaction transaction(db.session());
    // A raised issue is also in `open`, or in `resolved` when it cleared
    // before it could be stored: those copies take its new id.
    auto share_id = [](const ops::monitor_issue& stored, std::vector<ops::monitor_issue>& copies) {
      for (auto& copy : copies) {
        if (!copy.id && copy.condition_id == stored.condition_id && copy.first_seen_at_ms == stored.first_seen_at_ms) {
          copy.id = stored.id;
        }
      }
    };
    for (auto& issue : raised) {
      insert_issue(db, issue);
      record_event(db, issue, true);
      share_id(issue, open);
      share_id(issue, resolved);
    }
    for (auto& issue : open) store_issue(db, issue);
    for (auto& issue : resolved) {
      store_issue(db, issue);
      record_event(db, issue, false);
    }
    transaction.commit();
  });
}

result<std::vector<ops::monitor_issue>> load_open_issues(database& db) {
  return load_issues(db, "resolved_at IS NULL AND first_seen_at >= :since ORDER BY first_seen_at, id", 0, "open");
}

result<std::vector<ops::monitor_issue>> load_resolved_issues(database& db, std::int64_t since_ms) {
  return load_issues(db, "resolved_at >= :since ORDER BY resolved_at DESC, id DESC", since_ms, "resolved");
}

}  // namespace troupe::store
