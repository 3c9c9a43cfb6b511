// Errors as values at module edges: a `result<T>` holds either a T or an
// `error` with a human-readable reason. Cheap to move; not thread-safe to
// share mutably (like any value).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace troupe {

// Why an operation failed, in words an operator can act on.
struct error {
  std::string message;
};

template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : state_(std::move(value)) {}
  result(error e) : state_(std::move(e)) {}

  // Returns true iff the result holds a value.
  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const error& failure() const { return std::get<1>(state_); }

 private:
  std::variant<T, error> state_;
};

// The outcome of an operation that has no value to return.
class [[nodiscard]] status {
 public:
  status() = default;
  status(error e) : failure_(std::move(e)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const error& failure() const { return failure_; }

 private:
  error failure_;
  bool ok_ = true;
};

} // namespace troupe
