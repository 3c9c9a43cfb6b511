#include "runtime/store/fatal_issues.hpp"

#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {

result<std::int64_t> insert_fatal_issue(database& db, const ops::fatal_issue& issue) {
  return guarded("cannot store the fatal issue", [&] {
    std::int64_t id = 0;
    query_first_row(db.session(),
                    "INSERT INTO fatal_issues (at_ms, kind, message, detail, node)"
                    " VALUES (:at_ms, :kind, :message, :detail, :node) RETURNING id",
                    soci::into(id), soci::use(issue.at_ms), soci::use(issue.kind),
                    soci::use(issue.message), soci::use(issue.detail), soci::use(issue.node));
    return id;
  });
}

result<std::vector<ops::fatal_issue>> load_fatal_issues(database& db, int limit) {
  if (limit < 1) return error{"a page of fatal issues holds at least one"};
  return guarded("cannot read the fatal issues", [&] {
    ops::fatal_issue row;
    std::int64_t id = 0;
    auto select = prepare(db.session(),
                          "SELECT id, at_ms, kind, message, detail, node FROM fatal_issues"
                          " ORDER BY at_ms DESC, id DESC LIMIT :limit",
                          soci::into(id), soci::into(row.at_ms), soci::into(row.kind),
                          soci::into(row.message), soci::into(row.detail), soci::into(row.node),
                          soci::use(limit));
    std::vector<ops::fatal_issue> issues;
    select.execute();
    while (select.fetch()) {
      issues.push_back(row);
      issues.back().id = id;
      issues.back().stored = true;
    }
    return issues;
  });
}

result<std::optional<std::int64_t>> find_fatal_issue(database& db, const ops::fatal_issue& issue) {
  return guarded("cannot look for the fatal issue", [&] {
    std::int64_t id = 0;
    const bool found = query_first_row(
        db.session(),
        "SELECT id FROM fatal_issues WHERE at_ms = :at_ms AND kind = :kind"
        " AND node = :node ORDER BY id LIMIT 1",
        soci::into(id), soci::use(issue.at_ms), soci::use(issue.kind), soci::use(issue.node));
    return found ? std::optional<std::int64_t>(id) : std::nullopt;
  });
}

}  // namespace troupe::store
