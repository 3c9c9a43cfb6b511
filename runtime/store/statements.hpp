// How the store's code runs SQL through SOCI: every statement is a
// soci::statement prepared here. SOCI's `session << ...` and
// `session.prepare << ...` idioms are not used because their helper classes
// (ref_counted_statement, ref_counted_prepare_info) have no exported type
// info in Debian's SOCI 4.0, so UBSan's vptr check (-fsanitize=undefined)
// cannot link them. The helpers throw SOCI's exceptions: call them inside
// `guarded` (sql_boundary.hpp). A statement belongs to the session it was
// made from (one thread at a time). Hot statements are kept prepared on
// their connection: see database::kept and `with_kept` below.
#pragma once

#include <soci/soci.h>

#include <string>
#include <utility>

#include "runtime/store/database.hpp"

namespace troupe::store {

// Prepares `text` after `bind(statement)` has exchanged its into/use
// elements; for SQL whose bindings are only known at run time (filters).
template <class Bind>
soci::statement prepare_statement(soci::session& sql, const std::string& text, Bind&& bind) {
  soci::statement statement(sql);
  std::forward<Bind>(bind)(statement);
  statement.alloc();
  statement.prepare(text);
  statement.define_and_bind();
  return statement;
}

// Prepares `text` with its elements (soci::into(x), soci::use(y)). Elements
// bind by reference: what they name must outlive the statement's executions.
template <class... Elements>
soci::statement prepare(soci::session& sql, const std::string& text, const Elements&... elements) {
  return prepare_statement(sql, text, [&]([[maybe_unused]] soci::statement& statement) {
    (statement.exchange(elements), ...);
  });
}

// Runs `text` once and returns how many rows it changed. For a query, the
// first row (if any) is fetched into its into elements.
template <class... Elements>
long long execute(soci::session& sql, const std::string& text, const Elements&... elements) {
  auto statement = prepare(sql, text, elements...);
  statement.execute(true);
  return statement.get_affected_rows();
}

// Runs a query once, fetching its first row into its into elements; returns
// whether there was a row.
template <class... Elements>
bool query_first_row(soci::session& sql, const std::string& text, const Elements&... elements) {
  auto statement = prepare(sql, text, elements...);
  return statement.execute(true);
}

// Runs a prepared statement and fetches every row, calling `on_row` after
// each; returns how many rows there were. Reaching the end finishes the
// statement, which on SQLite ends an autocommit transaction (what a kept
// statement must do after each use).
template <class OnRow>
long long run_to_end(soci::statement& statement, OnRow&& on_row) {
  long long rows = 0;
  for (bool got = statement.execute(true); got; got = statement.fetch()) {
    ++rows;
    on_row();
  }
  return rows;
}

// Returns `use(db.kept<Statement>())`. A kept statement whose use threw is
// dropped from the connection (it may be left half run) and the exception
// passes on; the next use prepares it again.
template <class Statement, class Use>
auto with_kept(database& db, Use&& use) {
  try {
    return std::forward<Use>(use)(db.kept<Statement>());
  } catch (...) {
    db.forget<Statement>();
    throw;
  }
}

}  // namespace troupe::store
