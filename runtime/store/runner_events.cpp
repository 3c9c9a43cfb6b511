#include "runtime/store/runner_events.hpp"

#include "runtime/store/optional_column.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"
#include "runtime/store/transaction_scope.hpp"

namespace troupe::store {
namespace {

constexpr const char* event_columns =
    "at_ms, kind, pod, account_id, session_id, activity, mood, reason, duration_ms, exit_code,"
    " burst, energy, detail";

// An event with its flag in stored form, bound by reference to statements.
struct event_row {
  runner_event event;
  int burst = 0;

  void assign(const runner_event& from) {
    event = from;
    burst = from.burst ? 1 : 0;
  }
};

// Binds the columns of `event_columns`, in order, as values to insert.
void exchange_values(soci::statement& statement, event_row& row) {
  auto& event = row.event;
  statement.exchange(soci::use(event.at_ms));
  statement.exchange(soci::use(event.kind));
  statement.exchange(soci::use(event.pod));
  statement.exchange(soci::use(event.account_id));
  statement.exchange(soci::use(event.session_id));
  statement.exchange(soci::use(event.activity));
  statement.exchange(soci::use(event.mood));
  statement.exchange(soci::use(event.reason));
  statement.exchange(soci::use(event.duration_ms));
  statement.exchange(soci::use(event.exit_code));
  statement.exchange(soci::use(row.burst));
  statement.exchange(soci::use(event.energy));
  statement.exchange(soci::use(event.detail));
}

// Binds id followed by the columns of `event_columns` as fetched values.
void exchange_columns(soci::statement& statement, event_row& row) {
  auto& event = row.event;
  statement.exchange(soci::into(event.id));
  statement.exchange(soci::into(event.at_ms));
  statement.exchange(soci::into(event.kind));
  statement.exchange(soci::into(event.pod));
  statement.exchange(soci::into(event.account_id));
  statement.exchange(soci::into(event.session_id));
  statement.exchange(soci::into(event.activity));
  statement.exchange(soci::into(event.mood));
  statement.exchange(soci::into(event.reason));
  statement.exchange(soci::into(event.duration_ms));
  statement.exchange(soci::into(event.exit_code));
  statement.exchange(soci::into(row.burst));
  statement.exchange(soci::into(event.energy));
  statement.exchange(soci::into(event.detail));
}

// An INSERT of the row's current values that fetches the new id into
// `new_id` on every execution (RETURNING: SQLite >= 3.35 and PostgreSQL).
soci::statement prepare_insert(soci::session& sql, event_row& row, std::int64_t& new_id) {
  return prepare_statement(sql,
                           std::string("INSERT INTO runner_events (") + event_columns +
                               ") VALUES (:at_ms, :kind, :pod, :account_id, :session_id,"
                               " :activity, :mood, :reason, :duration_ms, :exit_code, :burst,"
                               " :energy, :detail) RETURNING id",
                           [&](soci::statement& s) {
                             s.exchange(soci::into(new_id));
                             exchange_values(s, row);
                           });
}

status check_appendable(const runner_event& event) {
  if (event.kind.empty()) return error{"a runner event needs a kind"};
  return {};
}

// The WHERE clause of `query` and the values it binds, in order.
struct event_filter {
  std::string where = " WHERE id > :after_id";
  std::vector<std::int64_t> numbers;  // after_id, then since/until when set
  std::vector<std::string> texts;     // pod, account_id, kind when set

  explicit event_filter(const event_query& query) {
    numbers.push_back(query.after_id);
    if (query.since_ms) add_number(" AND at_ms >= :since_ms", *query.since_ms);
    if (query.until_ms) add_number(" AND at_ms < :until_ms", *query.until_ms);
    if (query.pod) add_text(" AND pod = :pod", *query.pod);
    if (query.account_id) add_text(" AND account_id = :account_id", *query.account_id);
    if (query.kind) add_text(" AND kind = :kind", *query.kind);
  }

  // Numbers come first in the SQL, so binding numbers then texts keeps order.
  void exchange_values(soci::statement& statement) {
    for (auto& number : numbers) statement.exchange(soci::use(number));
    for (auto& text : texts) statement.exchange(soci::use(text));
  }

 private:
  void add_number(const char* condition, std::int64_t value) {
    where += condition;
    numbers.push_back(value);
  }
  void add_text(const char* condition, const std::string& value) {
    where += condition;
    texts.push_back(value);
  }
};

}  // namespace

result<std::int64_t> append_event(database& db, const runner_event& event) {
  if (auto appendable = check_appendable(event); !appendable) return appendable.failure();
  return guarded("cannot append a " + event.kind + " event", [&] {
    event_row row;
    row.assign(event);
    std::int64_t new_id = 0;
    auto insert = prepare_insert(db.session(), row, new_id);
    insert.execute(true);
    return new_id;
  });
}

namespace {

// One transaction for all of `events` (a vector or a deque), after checking each.
template <typename Events>
status append_all(database& db, const Events& events) {
  for (const auto& event : events) {
    if (auto appendable = check_appendable(event); !appendable) return appendable;
  }
  return guarded("cannot append " + std::to_string(events.size()) + " events", [&] {
    transaction_scope transaction(db);
    {  // SQLite commits only once the RETURNING statement is finalized
      event_row row;
      std::int64_t new_id = 0;
      auto insert = prepare_insert(db.session(), row, new_id);
      for (const auto& event : events) {
        row.assign(event);
        insert.execute(true);
      }
    }
    transaction.commit();
  });
}

}  // namespace

status append_events(database& db, const std::vector<runner_event>& events) { return append_all(db, events); }

status append_events(database& db, const std::deque<runner_event>& events) { return append_all(db, events); }

result<std::vector<runner_event>> query_events(database& db, const event_query& query) {
  if (query.limit < 1 || query.limit > max_event_page) {
    return error{"an event page holds 1 to " + std::to_string(max_event_page) + " events, not " +
                 std::to_string(query.limit)};
  }
  return guarded("cannot read runner events", [&] {
    event_filter filter(query);
    event_row row;
    int limit = query.limit;
    auto select =
        prepare_statement(db.session(),
                          std::string("SELECT id, ") + event_columns + " FROM runner_events" +
                              filter.where + " ORDER BY id LIMIT :limit",
                          [&](soci::statement& s) {
                            exchange_columns(s, row);
                            filter.exchange_values(s);
                            s.exchange(soci::use(limit));
                          });
    std::vector<runner_event> events;
    select.execute();
    while (select.fetch()) {
      row.event.burst = row.burst != 0;
      events.push_back(row.event);
    }
    return events;
  });
}

}  // namespace troupe::store
