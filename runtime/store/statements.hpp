// Helpers for SOCI statements used by the store's repositories. They throw
// SOCI's exceptions: call them inside `guarded` (sql_boundary.hpp). Each
// statement belongs to the session it was made from (one thread at a time).
#pragma once

#include <soci/soci.h>

#include <string>
#include <utility>

namespace troupe::store {

// Prepares `text` after `bind(statement)` has exchanged its into/use
// elements: for SQL assembled at run time (optional filters), which SOCI's
// `prepare << ..., into(...)` chain cannot express.
template <class Bind>
soci::statement prepare_statement(soci::session& sql, const std::string& text, Bind&& bind) {
  soci::statement statement(sql);
  std::forward<Bind>(bind)(statement);
  statement.alloc();
  statement.prepare(text);
  statement.define_and_bind();
  return statement;
}

// Executes a prepared data-changing statement and returns how many rows it
// changed.
inline long long execute_counting_rows(soci::statement& statement) {
  statement.execute(true);
  return statement.get_affected_rows();
}

}  // namespace troupe::store
