#include "runtime/driver/cancel_token.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace troupe::driver {

cancel_token::cancel_token() : wakeup_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!wakeup_.valid()) throw std::system_error(errno, std::generic_category(), "eventfd");
}

void cancel_token::cancel() {
  cancelled_.store(true, std::memory_order_release);
  const std::uint64_t one = 1;
  // write() fails only when the counter would overflow, and then the eventfd
  // is already readable, which is all a watching run needs.
  [[maybe_unused]] const auto written = ::write(wakeup_.get(), &one, sizeof one);
}

} // namespace troupe::driver
