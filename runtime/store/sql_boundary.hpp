// The edge between SOCI, which throws, and the store's callers, which get
// values: `guarded` runs a piece of SQL work and turns any exception into an
// `error` that names what was being done. Stateless; usable from any thread.
#pragma once

#include <exception>
#include <string>
#include <type_traits>
#include <utility>

#include "runtime/result.hpp"

namespace troupe::store {

// What `guarded` returns for work returning T: result<T>, a status for void;
// work that already returns a result or a status keeps its type.
template <class T>
struct guarded_outcome {
  using type = result<T>;
};
template <>
struct guarded_outcome<void> {
  using type = status;
};
template <class T>
struct guarded_outcome<result<T>> {
  using type = result<T>;
};
template <>
struct guarded_outcome<status> {
  using type = status;
};

// Runs `work` and returns its value, or an error "WHAT: <the exception's
// message>" if it throws.
template <class Work>
auto guarded(const std::string& what, Work&& work) {
  using value_type = std::invoke_result_t<Work>;
  using outcome = typename guarded_outcome<value_type>::type;
  try {
    if constexpr (std::is_void_v<value_type>) {
      std::forward<Work>(work)();
      return outcome{};
    } else {
      return outcome{std::forward<Work>(work)()};
    }
  } catch (const std::exception& e) {
    return outcome{error{what + ": " + e.what()}};
  }
}

}  // namespace troupe::store
