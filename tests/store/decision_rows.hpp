// Reading back a stored content decision in the store's tests.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "runtime/store/content_decisions.hpp"
#include "tests/store/scratch_database.hpp"

// The stored decision `id`, which must exist.
inline troupe::store::content_decision loaded_decision(troupe::store::database& db,
                                                       const std::string& id) {
  auto found = troupe::store::load_decision(db, id);
  REQUIRE_OK(found);
  REQUIRE(found->has_value());
  return **found;
}
