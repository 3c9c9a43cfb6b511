#include "runtime/driver/cancel_token.hpp"

#include <catch2/catch.hpp>

using troupe::driver::cancel_subscription;
using troupe::driver::cancel_token;

TEST_CASE("a cancel calls each watcher once and a watch after the cancel is called at once") {
  cancel_token token;
  int first = 0;
  int second = 0;
  const auto watch_first = token.watch([&] { ++first; });
  const auto watch_second = token.watch([&] { ++second; });
  CHECK_FALSE(token.cancelled());
  CHECK(first == 0);
  token.cancel();
  token.cancel();
  CHECK(token.cancelled());
  CHECK(first == 1);
  CHECK(second == 1);
  int late = 0;
  const auto watch_late = token.watch([&] { ++late; });
  CHECK(late == 1);
}

TEST_CASE("a watch that ended is not called by a later cancel") {
  cancel_token token;
  int calls = 0;
  auto subscription = token.watch([&] { ++calls; });
  subscription.reset();
  cancel_subscription moved_from = token.watch([&] { ++calls; });
  { const cancel_subscription ended = std::move(moved_from); }
  token.cancel();
  CHECK(calls == 0);
}
